// dialplan-test inputs: the environment (domains, accounts with bindings,
// providers, time zone, simulated start time), the outcome table, the calls
// (NDJSON) and the expectations, loaded from JSON files with errors that
// point at file:line:col (InputError). Formats: man/dialplan-test.1.
// Thread-safety: plain values, built once in main.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sip/dialplan/call_context.hpp"

namespace re2 {
class RE2;
}

namespace dialplan_test {

// A local input problem; what() is the whole formatted diagnostic
// ("file:line:col: message\n<line>\n   ^\n").
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EnvBinding {
  std::string contact;  // as registered
  std::string mangled;  // where requests go (default: contact)
  std::string user_agent;
  std::string transport = "udp";
  std::string remote;
  std::int64_t expires_in = 3600;
};

struct EnvAccount {
  sip::dialplan::AccountView view;
  std::string network_id;
  std::vector<EnvBinding> bindings;
};

struct EnvDomain {
  std::string name;
  std::vector<std::string> aliases;
};

struct Environment {
  std::string owner = "demo";
  std::string dialplan_name;  // default: the plan file's stem
  std::string time_zone = "UTC";
  std::int64_t start_time = 1704067200;  // 2024-01-01T00:00:00Z
  int max_ring_seconds = 180;
  int max_legs = 20;               // per execution, cumulative over Dials
  std::vector<EnvDomain> domains;  // first = default (alias "local")
  std::vector<EnvAccount> accounts;
  std::vector<sip::dialplan::ProviderView> providers;
};

// One row of the outcome table.
struct OutcomeRule {
  std::string match;                   // glob ('*', '?') or "regex:<RE2>"
  std::shared_ptr<const re2::RE2> re;  // compiled regex or glob
  std::string call;                    // only for this call id (empty = any)
  int status = 480;                    // 0 = never answers (rings until the ring timeout)
  std::string reason;                  // empty = standard phrase
  double delay = 0;                    // seconds from leg start to the response
  std::string contact;                 // 3xx: the Contact URI
  int line = 0;                        // in the outcome file
};

struct OutcomeTable {
  std::vector<OutcomeRule> rules;
  OutcomeRule fallback;  // when nothing matches (default 480, no delay)
  // The first rule matching any of `candidates` for call `call_id`.
  const OutcomeRule& find(const std::string& call_id,
                          const std::vector<std::string>& candidates) const;
};

struct Expectation {
  std::string call;
  std::optional<int> status;
  std::optional<std::string> reason;
  std::optional<std::string> kind;  // answered, responded, unanswered, script_error, cancelled
  std::optional<std::string> answered_by;  // glob/regex on the answering leg's URI or destination
  std::optional<std::vector<std::string>> dialled;  // substituted dial strings, in order
  std::vector<std::string> log_contains;
  std::string where;  // "file:line" for messages
};

struct Call {
  std::string id;
  sip::dialplan::Direction direction = sip::dialplan::Direction::Out;
  std::string uri;      // request-URI
  std::string from;     // whole From value
  std::string to;       // whole To value (default: the request-URI)
  std::string account;  // "user@domain": calling (out) / called (in) account
  std::vector<std::string> headers;
  std::string content_type;
  std::string body;
  std::optional<std::int64_t> at;  // start time override (unix seconds)
  std::optional<Expectation> expect;
  std::string where;  // "file:line"
};

std::string read_text_file(const std::string& path);  // "-" = stdin; throws InputError

Environment load_environment(const std::string& path, const std::string& text);
OutcomeTable load_outcomes(const std::string& path, const std::string& text);
std::vector<Call> load_calls(const std::string& path, const std::string& text);
std::vector<Expectation> load_expectations(const std::string& path, const std::string& text);

// Glob ('*' any run, '?' one character) or "regex:..." -> RE2 (full match
// for globs, partial for regexes). Throws std::invalid_argument on a bad regex.
std::shared_ptr<const re2::RE2> compile_match(const std::string& pattern);
bool matches(const re2::RE2& re, const std::string& text);

// "2024-07-01T12:00:00Z", "...+01:00", or digits (unix seconds).
std::optional<std::int64_t> parse_time(const std::string& text);

}  // namespace dialplan_test
