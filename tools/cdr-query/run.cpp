#include "run.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <iostream>
#include <optional>

#include "cursor.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "stats.hpp"

namespace sipsmith::cdrq {
namespace {

using cli::ExitCode;
using sip::store::Cdr;
using sip::store::CdrQuery;

// Rows the run visited, for the -v summary.
std::int64_t g_rows = 0;

ExitCode fail(ExitCode code, const std::string& message) {
  std::cerr << "cdr-query: " << message << "\n";
  return code;
}

// Flushes `out`, and syncs it when it is a regular file (what a cursor
// moves past must be on disk first).
bool flush_out(std::FILE* out, bool sync) {
  if (std::fflush(out) != 0 || std::ferror(out) != 0) return false;
  if (!sync) return true;
  struct stat st {};
  const int fd = ::fileno(out);
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) return ::fsync(fd) == 0;
  return true;
}

ExitCode run_stats(const Settings& s, CdrSource& source, std::FILE* out) {
  Stats stats;
  Progress progress(s.progress, source.count(s.query));
  if (auto e = source.scan(s.query, [&](const Cdr& c, const std::string&) {
        stats.add(c);
        progress.tick();
        return true;
      }))
    return fail(e->code, e->message);
  progress.finish();
  g_rows = progress.rows();
  stats.print(s.format, out);
  if (!flush_out(out, false)) return fail(ExitCode::Usage, "cannot write the output");
  return ExitCode::Ok;
}

ExitCode run_list(const Settings& s, CdrSource& source, std::FILE* out) {
  auto writer = make_writer(s.format, out);
  Progress progress(s.progress, s.progress ? source.count(s.query) : std::nullopt);
  writer->begin();
  if (auto e = source.scan(s.query, [&](const Cdr& c, const std::string& owner) {
        writer->record(c, owner);
        progress.tick();
        return std::ferror(out) == 0;
      }))
    return fail(e->code, e->message);
  writer->end();
  progress.finish();
  g_rows = progress.rows();
  if (!flush_out(out, false)) return fail(ExitCode::Usage, "cannot write the output");
  return ExitCode::Ok;
}

// Writes the records of `q` (FinalSeq order) after `after`; `last` becomes
// the final_seq of the last one written. nullopt: fine.
std::optional<ExitCode> export_after(CdrSource& source, RecordWriter& writer, std::FILE* out,
                                     CdrQuery q, std::int64_t& last, std::size_t& written,
                                     Progress& progress) {
  q.after_seq = last;
  if (auto e = source.scan(q, [&](const Cdr& c, const std::string& owner) {
        writer.record(c, owner);
        last = c.final_seq;
        ++written;
        progress.tick();
        return std::ferror(out) == 0;
      }))
    return fail(e->code, e->message);
  return std::nullopt;
}

ExitCode run_cursor(const Settings& s, CdrSource& source, std::FILE* out) {
  std::string error;
  auto cursor = CursorFile::open(s.cursor, error);
  if (!cursor) return fail(ExitCode::Usage, error);
  std::int64_t last = cursor->value();
  std::size_t written = 0;
  auto writer = make_writer(s.format, out);
  CdrQuery counted = s.query;
  counted.after_seq = last;
  Progress progress(s.progress, s.progress ? source.count(counted) : std::nullopt);
  writer->begin();
  if (auto code = export_after(source, *writer, out, s.query, last, written, progress))
    return *code;
  writer->end();
  progress.finish();
  g_rows = progress.rows();
  // The cursor moves only past records that are out (and on disk for a file).
  if (!flush_out(out, true))
    return fail(ExitCode::Usage, "cannot write the output; the cursor was not moved");
  if (written != 0 && !cursor->store(last, error)) return fail(ExitCode::Usage, error);
  if (s.verbosity > 0)
    std::cerr << "cdr-query: " << written << " records, cursor at " << last << "\n";
  return ExitCode::Ok;
}

// true when SIGINT or SIGTERM arrived within `limit`.
bool stop_requested(std::chrono::milliseconds limit) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(limit.count() / 1000);
  ts.tv_nsec = static_cast<long>(limit.count() % 1000) * 1'000'000L;
  for (;;) {
    const int sig = ::sigtimedwait(&set, nullptr, &ts);
    if (sig > 0) return true;
    if (errno == EINTR) continue;  // another signal: the wait restarts (bounded by `limit` again)
    return false;                  // EAGAIN: timed out
  }
}

ExitCode run_follow(const Settings& s, CdrSource& source, std::FILE* out) {
  std::string error;
  std::optional<CursorFile> cursor =
      s.cursor.empty() ? std::nullopt : CursorFile::open(s.cursor, error);
  if (!s.cursor.empty() && !cursor) return fail(ExitCode::Usage, error);
  std::int64_t last = cursor ? cursor->value() : 0;
  CdrQuery q = s.query;
  q.limit = static_cast<std::size_t>(s.page);  // one bounded batch per scan
  auto writer = make_writer(s.format, out);
  Progress progress(false, std::nullopt);
  writer->begin();
  for (;;) {
    std::size_t written = 0;
    if (auto code = export_after(source, *writer, out, q, last, written, progress)) return *code;
    if (!flush_out(out, cursor.has_value()))
      return fail(ExitCode::Usage, "cannot write the output");
    if (cursor && written != 0 && !cursor->store(last, error)) return fail(ExitCode::Usage, error);
    // A full batch: more may be waiting; look again at once (still stoppable).
    const auto wait = written == q.limit ? std::chrono::milliseconds(0) : s.interval;
    if (stop_requested(wait)) break;
  }
  writer->end();
  if (!flush_out(out, false)) return fail(ExitCode::Usage, "cannot write the output");
  return ExitCode::Ok;
}

}  // namespace

ExitCode run(const Settings& s, CdrSource& source, std::FILE* out) {
  const auto start = std::chrono::steady_clock::now();
  ExitCode code = ExitCode::Ok;
  if (s.follow) {
    code = run_follow(s, source, out);
  } else if (!s.cursor.empty()) {
    code = run_cursor(s, source, out);
  } else if (s.stats) {
    code = run_stats(s, source, out);
  } else {
    code = run_list(s, source, out);
  }
  if (s.verbosity > 0 && code == ExitCode::Ok && !s.follow) {
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    std::fprintf(stderr, "cdr-query: %lld records in %.3f s (%.0f rows/s), peak RSS %ld KiB\n",
                 static_cast<long long>(g_rows), secs, secs > 0 ? double(g_rows) / secs : 0.0,
                 usage.ru_maxrss);
  }
  return code;
}

void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace sipsmith::cdrq
