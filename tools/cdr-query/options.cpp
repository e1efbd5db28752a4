#include "options.hpp"

#include <cstdlib>
#include <string_view>

#include "common/cli.hpp"
#include "times.hpp"

namespace sipsmith::cdrq {
namespace {

constexpr const char* kSocketEnv = "SIPSMITH_CONTROL_SOCKET";

constexpr const char* kExamples = R"(Examples:
  cdr-query --store /var/lib/sipsmith/sipsmith.db --since 24h
  cdr-query --socket demo/sipproxyd.sock --owner demo --status answered --format csv
  cdr-query --store sipsmith.db --since 2024-05-01 --until 2024-06-01 --stats
  cdr-query --store sipsmith.db --account alice@sipsmith.test --min-duration 60 --json
  cdr-query --store sipsmith.db --call-id 3848276298220188511@192.0.2.7
  # cron: every CDR that ended since the last run, exactly once
  cdr-query --store sipsmith.db --cursor /var/lib/billing/cdr.cursor --format csv >> cdrs.csv
  cdr-query --socket demo/sipproxyd.sock --follow --json | jq -c .

Source: --store FILE (read-only, safe while sipproxyd writes) or --socket
PATH (the daemon's cdr.list), else $SIPSMITH_CONTROL_SOCKET.
Times: ISO-8601 (2024-05-01, 2024-05-01T12:00:00Z, ...+02:00; no offset is
UTC) or an age: 90s, 30m, 24h, 7d, 2w. --status: answered (2xx), failed
(3xx-6xx), busy (486/600), cancelled (487), none (no final status yet), a
code (404) or a class (4xx).
Without --cursor/--follow records come oldest first (created time).
--cursor and --follow give records that ENDED, in the order they ended
(docs/cdr-export.md): each once, never a gap.

Exit status: 0 success, 1 the daemon or store refused the query (e.g. no
such owner), 2 usage or local error (unreadable store, cursor, output),
3 cannot connect to the socket or no answer in time.)";

// answer_status range of a --status value.
std::pair<int, int> status_range(const std::string& s) {
  if (s == "answered") return {200, 299};
  if (s == "failed") return {300, 699};
  if (s == "busy") return {486, 486};
  if (s == "cancelled") return {487, 487};
  if (s == "none") return {0, 0};
  if (s.size() == 3 && s[0] >= '1' && s[0] <= '6' && (s[1] == 'x' || s[1] == 'X') &&
      (s[2] == 'x' || s[2] == 'X')) {
    const int base = (s[0] - '0') * 100;
    return {base, base + 99};
  }
  if (s.size() == 3 && s[0] >= '1' && s[0] <= '6' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
      s[2] <= '9') {
    const int code = std::atoi(s.c_str());
    return {code, code};
  }
  throw UsageError(
      "--status: expected answered, failed, busy, cancelled, none, a code or a class "
      "like 4xx, not '" +
      s + "'");
}

Format format_named(const std::string& s) {
  if (s == "table") return Format::Table;
  if (s == "csv") return Format::Csv;
  if (s == "ndjson") return Format::Ndjson;
  if (s == "json") return Format::Json;
  throw UsageError("--format: expected table, csv, ndjson or json, not '" + s + "'");
}

std::int64_t time_flag(const char* flag, const std::string& text, std::int64_t now) {
  auto t = parse_time(text, now);
  if (!t || *t < 0)
    throw UsageError(std::string(flag) + ": expected an ISO-8601 time or an age like 24h, not '" +
                     text + "'");
  return *t;
}

}  // namespace

void define_cli(CLI::App& app, Args& a) {
  app.description(
      "Query, export and summarise sipproxyd's call detail records (CDRs) from its store or "
      "its control socket.");
  app.footer(kExamples);
  app.set_version_flag("--version", cli::version());
  app.option_defaults()->always_capture_default(false);

  auto* store = app.add_option("--store", a.store, "Read this SQLite store file (read-only)")
                    ->group("Source");
  auto* socket = app.add_option("--socket", a.socket, "Ask the daemon on this control socket")
                     ->group("Source");
  store->excludes(socket);
  app.add_option("--timeout", a.timeout_s,
                 "Seconds per control request; the store's busy wait (default 10)")
      ->check(CLI::Range(0.1, 3600.0))
      ->group("Source");

  const char* f = "Filters";
  app.add_option("--since", a.since, "Created at or after TIME (ISO-8601 or age: 24h, 7d)")
      ->group(f);
  app.add_option("--until", a.until, "Created before TIME")->group(f);
  app.add_option("--owner", a.owner, "Only this customer's records")->group(f);
  app.add_option("--account", a.account, "Only records of this USER@DOMAIN (or provider)")
      ->group(f);
  app.add_option("--direction", a.direction, "in (the caller's leg) or out (legs placed)")
      ->check(CLI::IsMember({"in", "out"}))
      ->group(f);
  app.add_option("--status", a.status,
                 "answered|failed|busy|cancelled|none, a code (486) or a class (4xx)")
      ->group(f);
  app.add_option("--call-id", a.call_id, "Only the leg with this Call-ID")->group(f);
  app.add_option("--bridge-id", a.bridge_id, "Only the legs of this call")->group(f);
  app.add_option("--min-duration", a.min_duration, "Talked at least SECONDS")
      ->check(CLI::NonNegativeNumber)
      ->group(f);
  app.add_flag("--ended", a.ended, "Only legs that have ended")->group(f);
  app.add_option("-n,--limit", a.limit, "At most N records (0 = all; with --cursor: per run)")
      ->group(f);
  app.add_flag("--newest-first", a.newest_first, "Newest first (default: oldest first)")->group(f);

  const char* o = "Output";
  app.add_option("-f,--format", a.format,
                 "table|csv|ndjson|json (default: table on a terminal, else ndjson)")
      ->group(o);
  app.add_flag("--json", a.json, "Same as --format ndjson")->group(o);
  app.add_flag("--stats", a.stats,
               "Counts, answer-seizure ratio and average call duration per account and "
               "provider instead of records")
      ->group(o);
  auto* progress = app.add_flag("--progress", a.progress, "Progress bar on stderr")->group(o);
  auto* no_progress =
      app.add_flag("--no-progress", a.no_progress,
                   "No progress bar (default: shown when stderr is a terminal and stdout not)")
          ->group(o);
  progress->excludes(no_progress);
  app.add_flag("-v,--verbose", a.verbosity, "More diagnostics on stderr (repeatable)")->group(o);

  const char* e = "Export";
  auto* cursor = app.add_option("--cursor", a.cursor,
                                "Only records that ended since the run that last moved FILE; "
                                "moves it (atomically) past what was written")
                     ->group(e);
  auto* follow =
      app.add_flag("--follow", a.follow, "Keep printing records as they end, until SIGINT/SIGTERM")
          ->group(e);
  app.add_option("--interval", a.interval_s, "Seconds between polls of --follow (default 1)")
      ->check(CLI::Range(0.05, 60.0))
      ->group(e);
  app.add_option("--page", a.page, "Records per control request (default 1000)")
      ->check(CLI::Range(1, 10000))
      ->group(e);
  cursor->excludes("--newest-first");
  follow->excludes("--newest-first");
  (void)app.get_option("--stats")->excludes(cursor)->excludes(follow);
}

Settings settings_from(const Args& a, bool stdout_tty, bool stderr_tty) {
  Settings s;
  if (!a.store.empty()) {
    s.from_store = true;
    s.path = a.store;
  } else if (!a.socket.empty()) {
    s.from_store = false;
    s.path = a.socket;
  } else if (const char* env = std::getenv(kSocketEnv); env != nullptr && *env != '\0') {
    s.from_store = false;
    s.path = env;
  } else {
    throw UsageError("give --store FILE or --socket PATH (or set $SIPSMITH_CONTROL_SOCKET)");
  }
  const std::int64_t now = now_unix_ms();
  auto& q = s.query;
  if (!a.since.empty()) q.since = time_flag("--since", a.since, now);
  if (!a.until.empty()) q.until = time_flag("--until", a.until, now);
  if (q.since != 0 && q.until != 0 && q.until <= q.since)
    throw UsageError("--until must be later than --since");
  s.owner = a.owner;
  q.account = a.account;
  q.direction = a.direction;
  q.call_id = a.call_id;
  q.bridge_id = a.bridge_id;
  if (!a.status.empty()) std::tie(q.status_min, q.status_max) = status_range(a.status);
  q.min_talk = a.min_duration;
  q.ended_only = a.ended;
  q.limit = a.limit;
  s.cursor = a.cursor;
  s.follow = a.follow;
  if (!s.cursor.empty() || s.follow) {
    q.order = sip::store::CdrOrder::FinalSeq;
  } else {
    q.order =
        a.newest_first ? sip::store::CdrOrder::NewestFirst : sip::store::CdrOrder::OldestFirst;
  }
  if (a.json && !a.format.empty() && a.format != "ndjson")
    throw UsageError("--json and --format " + a.format + " disagree");
  if (a.json) {
    s.format = Format::Ndjson;
  } else if (!a.format.empty()) {
    s.format = format_named(a.format);
  } else {
    s.format = stdout_tty ? Format::Table : Format::Ndjson;
  }
  s.stats = a.stats;
  s.interval = std::chrono::milliseconds(static_cast<long long>(a.interval_s * 1000));
  s.timeout = std::chrono::milliseconds(static_cast<long long>(a.timeout_s * 1000));
  s.page = a.page;
  s.progress = a.progress || (!a.no_progress && stderr_tty && !stdout_tty && !s.follow);
  s.verbosity = a.verbosity;
  return s;
}

}  // namespace sipsmith::cdrq
