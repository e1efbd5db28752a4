// bench_message: libsip against libosip2 on the same bytes, in the same run.
//
// What is measured (each benchmark has a libsip and an osip2 variant doing
// the same work with each library's own API; see osip_peer.cpp for osip):
//
//   Parse/<msg>/<lib>    bytes -> parsed message, then a "walk" reading the
//                        values a proxy or UA needs (method or status,
//                        request-URI user/host/port, every Via's host, port
//                        and branch, From/To URI user/host and tag, Call-ID,
//                        CSeq, first Contact URI and ;expires, Max-Forwards,
//                        Content-Type, Content-Length, Authorization
//                        username/realm/nonce/response, body), then the
//                        message is destroyed. libsip indexes on parse and
//                        parses headers lazily in the typed accessors, osip
//                        parses all known headers eagerly; reading the same
//                        values on both sides is what makes the figures
//                        comparable. Each walk folds the values into a
//                        Checksum, and start-up fails unless both libraries
//                        produce the same checksum for every message.
//   Serialize/<msg>/<lib>  a message parsed once, outside the loop, is
//                        written back to text: libsip with a MessageEditor
//                        without edits into a reused std::string; osip with
//                        osip_message_to_str after osip_message_force_update
//                        (otherwise, from the second call on, osip returns a
//                        memcpy of the text it cached on the first) and
//                        osip_free of the result. osip rewrites the message
//                        (one line per Allow/Supported value, its own header
//                        order); libsip copies untouched lines verbatim.
//   EditSerialize/INVITE/<lib>  parse, prepend a Via, remove the top Route
//                        (a loose route), replace the request-URI, serialise:
//                        what a proxy does to forward a request. Start-up
//                        checks that both outputs carry the same values.
//
// After the run a table gives, per pair, osip2 time / libsip time (the
// median aggregate with --benchmark_repetitions, else the single run). The
// issue's target (INVITE parse at least 3x faster than osip2) is printed,
// not enforced: the exit status is non-zero only when set-up or a benchmark
// fails.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "messages.hpp"
#include "osip_peer.hpp"
#include "sip/message/editor.hpp"
#include "sip/message/message.hpp"
#include "sip/parser/parse.hpp"

namespace {

using sip::msg::HeaderField;
using sip::msg::HeaderId;
using sipsmith_bench::Checksum;
using sipsmith_bench::TestMessage;
namespace osip = sipsmith_bench::osip;

// ---- the libsip walk (same values, same order as osip_peer.cpp's walk)

void walk_name_addr(Checksum& c, const sip::Result<sip::msg::NameAddr>& a) {
  if (!a) {
    c.poison();
    return;
  }
  c.add(a->uri.user.size());
  c.add(a->uri.host.size());
  c.add(a->tag().size());
}

std::uint64_t walk(const sip::msg::Message& m) {
  Checksum c;
  if (m.is_request()) {
    c.add(m.method_token().size());
    if (auto ru = m.request_uri()) {
      c.add(ru->user.size());
      c.add(ru->host.size());
      c.add(ru->port);
    } else {
      c.poison();
    }
  } else {
    c.add(static_cast<std::uint64_t>(m.status()));
  }

  m.for_each(HeaderId::Via, [&](const HeaderField& f) {
    if (auto v = m.via_at(f)) {
      c.add(v->host.size());
      c.add(v->port);
      c.add(v->branch().size());
    } else {
      c.poison();
    }
  });

  walk_name_addr(c, m.from());
  walk_name_addr(c, m.to());

  const std::string_view call_id = m.call_id();
  if (call_id.empty()) c.poison();
  c.add(call_id.size());

  if (auto cs = m.cseq()) {
    c.add(cs->number);
    c.add(cs->method_token.size());
  } else {
    c.poison();
  }

  const HeaderField* contact = m.first(HeaderId::Contact);
  auto ct = contact != nullptr
                ? m.contact_at(*contact)
                : sip::Result<sip::msg::ContactValue>(sip::make_error(sip::Errc::not_found, 0));
  if (ct && !ct->star) {
    c.add(ct->addr.uri.user.size());
    c.add(ct->addr.uri.host.size());
    c.add(ct->addr.uri.port);
    c.add(ct->expires().value_or(0));
  } else {
    c.add(0), c.add(0), c.add(0), c.add(0);
  }

  auto mf = m.max_forwards();
  c.add(mf ? *mf : 0);

  if (auto t = m.content_type()) {
    c.add(t->type.size());
    c.add(t->subtype.size());
  } else {
    c.add(0), c.add(0);
  }

  auto cl = m.content_length();
  c.add(cl ? *cl : 0);

  const HeaderField* auth = m.first(HeaderId::Authorization);
  auto av = auth != nullptr
                ? m.auth_at(*auth)
                : sip::Result<sip::msg::AuthValue>(sip::make_error(sip::Errc::not_found, 0));
  if (av) {
    c.add(av->param("username").value_or("").size());
    c.add(av->param("realm").value_or("").size());
    c.add(av->param("nonce").value_or("").size());
    c.add(av->param("response").value_or("").size());
  } else {
    c.add(0), c.add(0), c.add(0), c.add(0);
  }

  const std::string_view body = m.body();
  benchmark::DoNotOptimize(body.data());
  c.add(body.size());
  return c.v;
}

// ---- the libsip edit (same edits as osip::edit_serialize)

bool edit_serialize(const sip::msg::Message& m, std::string& out) {
  sip::msg::MessageEditor ed(m);
  ed.prepend("Via", sipsmith_bench::kEditVia);
  if (const HeaderField* route = m.first(HeaderId::Route)) {
    auto r = m.name_addr_at(*route);
    if (r && r->uri.has_param("lr")) ed.remove(*route);
  }
  ed.set_request_uri(sipsmith_bench::kEditRequestUri);
  out.clear();
  ed.serialize_to(out);
  return true;
}

// ---- benchmarks

void set_counters(benchmark::State& state, std::size_t bytes) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
}

void parse_libsip(benchmark::State& state, const TestMessage* msg) {
  const std::string_view bytes = msg->bytes;
  for (auto _ : state) {
    auto m = sip::parser::parse_datagram(bytes);
    if (!m) {
      state.SkipWithError("libsip rejected the message");
      break;
    }
    std::uint64_t sum = walk(*m);
    benchmark::DoNotOptimize(sum);
  }
  set_counters(state, bytes.size());
}

void parse_osip(benchmark::State& state, const TestMessage* msg) {
  const std::string_view bytes = msg->bytes;
  for (auto _ : state) {
    std::uint64_t sum = 0;
    if (!osip::parse_walk(bytes, sum)) {
      state.SkipWithError("osip rejected the message");
      break;
    }
    benchmark::DoNotOptimize(sum);
  }
  set_counters(state, bytes.size());
}

void serialize_libsip(benchmark::State& state, const TestMessage* msg) {
  auto m = sip::parser::parse_datagram(std::string_view(msg->bytes));
  if (!m) {
    state.SkipWithError("libsip rejected the message");
    return;
  }
  std::string out;
  for (auto _ : state) {
    out.clear();
    sip::msg::MessageEditor ed(*m);
    ed.serialize_to(out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, msg->bytes.size());
}

void serialize_osip(benchmark::State& state, const TestMessage* msg) {
  auto m = osip::Message::parse(msg->bytes);
  if (!m) {
    state.SkipWithError("osip rejected the message");
    return;
  }
  for (auto _ : state) {
    std::size_t n = m.serialize();
    if (n == 0) {
      state.SkipWithError("osip_message_to_str failed");
      break;
    }
    benchmark::DoNotOptimize(n);
  }
  set_counters(state, msg->bytes.size());
}

void edit_libsip(benchmark::State& state, const TestMessage* msg) {
  const std::string_view bytes = msg->bytes;
  std::string out;
  for (auto _ : state) {
    auto m = sip::parser::parse_datagram(bytes);
    if (!m) {
      state.SkipWithError("libsip rejected the message");
      break;
    }
    edit_serialize(*m, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, bytes.size());
}

void edit_osip(benchmark::State& state, const TestMessage* msg) {
  const std::string_view bytes = msg->bytes;
  for (auto _ : state) {
    std::size_t n =
        osip::edit_serialize(bytes, sipsmith_bench::kEditVia, sipsmith_bench::kEditRequestUri);
    if (n == 0) {
      state.SkipWithError("osip edit failed");
      break;
    }
    benchmark::DoNotOptimize(n);
  }
  set_counters(state, bytes.size());
}

const std::vector<const TestMessage*>& messages() {
  static const std::vector<const TestMessage*> all{
      &sipsmith_bench::invite(), &sipsmith_bench::ok200(), &sipsmith_bench::register_()};
  return all;
}

// The pairs the ratio table reports, in registration order ("Parse/INVITE").
std::vector<std::string>& pairs() {
  static std::vector<std::string> p;
  return p;
}

void register_benchmarks() {
  using Fn = void (*)(benchmark::State&, const TestMessage*);
  auto add = [](const std::string& op, const TestMessage* msg, Fn libsip, Fn osip2) {
    const std::string base = op + "/" + msg->name;
    benchmark::RegisterBenchmark((base + "/libsip").c_str(), libsip, msg);
    benchmark::RegisterBenchmark((base + "/osip2").c_str(), osip2, msg);
    pairs().push_back(base);
  };
  for (const TestMessage* msg : messages()) add("Parse", msg, parse_libsip, parse_osip);
  for (const TestMessage* msg : messages()) add("Serialize", msg, serialize_libsip, serialize_osip);
  add("EditSerialize", &sipsmith_bench::invite(), edit_libsip, edit_osip);
}

// ---- start-up checks: both parsers accept every message, Content-Length is
// right, both walks read the same values, both serialisers and both edits
// produce equivalent messages. Any failure aborts before timing anything.

bool fail(const char* what, const char* msg) {
  std::fprintf(stderr, "bench_message: setup check failed: %s (%s)\n", what, msg);
  return false;
}

// Walk checksum of `text` as parsed by libsip; 0 when it does not parse.
std::uint64_t libsip_sum(std::string_view text) {
  auto m = sip::parser::parse_datagram(text);
  return m ? walk(*m) : 0;
}

bool check_message(const TestMessage& tm) {
  const char* name = tm.name;
  auto m = sip::parser::parse_datagram(std::string_view(tm.bytes));
  if (!m) return fail(("libsip rejects it: " + m.error().to_string()).c_str(), name);
  auto cl = m->content_length();
  if (!cl || *cl != tm.body_size || m->body().size() != tm.body_size)
    return fail("Content-Length does not match the body", name);
  const std::uint64_t ours = walk(*m);
  std::uint64_t theirs = 0;
  if (!osip::parse_walk(tm.bytes, theirs)) return fail("osip rejects it", name);
  if (ours != theirs) {
    std::fprintf(stderr, "walk checksums: libsip %016llx, osip2 %016llx\n",
                 static_cast<unsigned long long>(ours), static_cast<unsigned long long>(theirs));
    return fail("libsip and osip2 walks read different values", name);
  }

  // Serialise without edits: libsip must reproduce the bytes; osip's text
  // (it reformats) must read back to the same values.
  std::string out;
  sip::msg::MessageEditor(*m).serialize_to(out);
  if (out != tm.bytes) return fail("libsip serialisation differs from the input", name);
  auto om = osip::Message::parse(tm.bytes);
  std::string osip_out;
  if (!om || om.serialize(&osip_out) == 0) return fail("osip_message_to_str failed", name);
  if (libsip_sum(osip_out) != ours) return fail("osip2 serialisation reads back differently", name);
  return true;
}

bool check_edit() {
  const TestMessage& tm = sipsmith_bench::invite();
  auto m = sip::parser::parse_datagram(std::string_view(tm.bytes));
  if (!m) return fail("libsip rejects it", tm.name);
  std::string ours, theirs;
  edit_serialize(*m, ours);
  if (osip::edit_serialize(tm.bytes, sipsmith_bench::kEditVia, sipsmith_bench::kEditRequestUri,
                           &theirs) == 0)
    return fail("osip edit failed", tm.name);
  for (const std::string* text : {&ours, &theirs}) {
    auto e = sip::parser::parse_datagram(std::string_view(*text));
    const char* who = text == &ours ? "libsip edit" : "osip2 edit";
    if (!e) return fail("edited message does not parse", who);
    auto top = e->top_via();
    if (!top || top->branch() != "z9hG4bK-core-5f1c2e" || e->count(HeaderId::Via) != 3 ||
        e->count(HeaderId::Route) != 0 ||
        e->request_uri_text() != sipsmith_bench::kEditRequestUri || e->body() != m->body())
      return fail("edit not applied as expected", who);
  }
  if (libsip_sum(ours) != libsip_sum(theirs)) return fail("edited messages differ", tm.name);
  return true;
}

bool setup_checks() {
  if (!osip::init()) return fail("parser_init failed", "osip2");
  for (const TestMessage* tm : messages())
    if (!check_message(*tm)) return false;
  return check_edit();
}

// ---- reporting: the console output as usual, plus per-benchmark real time
// for the ratio table.

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  using benchmark::ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) record(r);
    ConsoleReporter::ReportRuns(runs);
  }

  bool any_error() const { return any_error_; }

  // Real (wall) and CPU nanoseconds per iteration; negative when not run.
  double ns(const std::string& name) const {
    auto it = times_.find(name);
    return it == times_.end() ? -1.0 : it->second.ns;
  }
  double cpu_ns(const std::string& name) const {
    auto it = times_.find(name);
    return it == times_.end() ? -1.0 : it->second.cpu_ns;
  }

 private:
  struct Entry {
    double ns = 0;
    double cpu_ns = 0;
    bool median = false;
  };

  void record(const Run& r) {
    if (r.error_occurred) {
      any_error_ = true;
      return;
    }
    const std::string name = r.run_name.str();
    const double scale = 1e9 / benchmark::GetTimeUnitMultiplier(r.time_unit);
    const Entry now{r.GetAdjustedRealTime() * scale, r.GetAdjustedCPUTime() * scale, false};
    Entry& e = times_[name];
    if (r.run_type == Run::RT_Aggregate) {
      if (r.aggregate_name == "median") e = {now.ns, now.cpu_ns, true};
    } else if (!e.median) {
      // Without aggregates the (single) iteration run is the figure; with
      // repetitions the median that follows replaces it.
      e = now;
    }
  }

  std::map<std::string, Entry> times_;
  bool any_error_ = false;
};

// The ratio is on real time; the CPU-time ratio follows in brackets because
// on a loaded machine wall time includes time spent preempted.
void print_ratios(const RatioReporter& rep) {
  std::printf("\n");
  bool printed = false;
  for (const std::string& pair : pairs()) {
    const double lib = rep.ns(pair + "/libsip");
    const double peer = rep.ns(pair + "/osip2");
    if (lib <= 0 || peer <= 0) continue;  // filtered out
    const double lib_cpu = rep.cpu_ns(pair + "/libsip");
    const double peer_cpu = rep.cpu_ns(pair + "/osip2");
    std::printf("ratio %-22s osip2/libsip = %5.2fx (libsip %.0f ns, osip2 %.0f ns) [cpu %.2fx]\n",
                pair.c_str(), peer / lib, lib, peer, lib_cpu > 0 ? peer_cpu / lib_cpu : 0.0);
    printed = true;
  }
  const double lib = rep.ns("Parse/INVITE/libsip");
  const double peer = rep.ns("Parse/INVITE/osip2");
  if (lib > 0 && peer > 0) {
    std::printf("target Parse/INVITE libsip >= 3x faster than osip2: %s (%.2fx)\n",
                peer / lib >= 3.0 ? "met" : "NOT met", peer / lib);
  } else if (!printed) {
    std::printf("ratio: no libsip/osip2 pair ran (check --benchmark_filter)\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  if (!setup_checks()) return 1;
  register_benchmarks();

  const bool color = isatty(STDOUT_FILENO) != 0;
  RatioReporter reporter(color ? benchmark::ConsoleReporter::OO_Color
                               : benchmark::ConsoleReporter::OO_None);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  print_ratios(reporter);
  std::fflush(stdout);
  return reporter.any_error() ? 1 : 0;
}
