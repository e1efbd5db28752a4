#include "inputs.hpp"

#include <re2/re2.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "sip/wizard/source_pos.hpp"

namespace dialplan_test {
namespace {

using nlohmann::json;
using sip::wizard::JsonPath;

// Parses one JSON document; errors as InputError with a caret. `line_base`
// and `text_for_caret` let NDJSON lines report their place in the file.
json parse_json(const std::string& path, const std::string& text, int line_base = 0,
                const std::string* whole = nullptr) {
  try {
    return json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    auto lc = sip::wizard::line_col(text, e.byte == 0 ? 0 : e.byte - 1);
    std::string message = e.what();
    if (auto p = message.find("column "); p != std::string::npos)
      if (auto c = message.find(": ", p); c != std::string::npos) message = message.substr(c + 2);
    throw InputError(sip::wizard::format_diagnostic(
        path, whole ? *whole : text, lc.line + line_base, lc.column, "invalid JSON: " + message));
  }
}

// Validation failures inside a parsed document.
class Checker {
 public:
  Checker(std::string path, const std::string& text, int line_base = 0,
          const std::string* whole = nullptr)
      : path_(std::move(path)), text_(text), line_base_(line_base), whole_(whole) {}

  [[noreturn]] void fail(const JsonPath& at, const std::string& message) const {
    auto lc = sip::wizard::line_col(text_, sip::wizard::json_locate(text_, at));
    throw InputError(sip::wizard::format_diagnostic(path_, whole_ ? *whole_ : text_,
                                                    lc.line + line_base_, lc.column, message));
  }
  int line_of(const JsonPath& at) const {
    return sip::wizard::line_col(text_, sip::wizard::json_locate(text_, at)).line + line_base_;
  }
  void only(const json& obj, const JsonPath& at, std::initializer_list<const char*> keys) const {
    if (!obj.is_object()) fail(at, "expected a JSON object");
    std::set<std::string> known(keys.begin(), keys.end());
    for (auto it = obj.begin(); it != obj.end(); ++it)
      if (!known.count(it.key())) {
        JsonPath p = at;
        p.emplace_back(it.key());
        fail(p, "unknown field \"" + it.key() + "\"");
      }
  }
  std::string str(const json& obj, const JsonPath& at, const char* key,
                  std::string def = {}) const {
    if (!obj.contains(key)) return def;
    if (!obj[key].is_string()) fail(with(at, key), std::string(key) + " must be a string");
    return obj[key].get<std::string>();
  }
  std::string req_str(const json& obj, const JsonPath& at, const char* key) const {
    if (!obj.contains(key)) fail(at, std::string("missing \"") + key + "\"");
    return str(obj, at, key);
  }
  std::int64_t integer(const json& obj, const JsonPath& at, const char* key, std::int64_t def,
                       std::int64_t min, std::int64_t max) const {
    if (!obj.contains(key)) return def;
    const json& v = obj[key];
    if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max)
      fail(with(at, key), std::string(key) + " must be an integer from " + std::to_string(min) +
                              " to " + std::to_string(max));
    return v.get<std::int64_t>();
  }
  bool boolean(const json& obj, const JsonPath& at, const char* key, bool def) const {
    if (!obj.contains(key)) return def;
    if (!obj[key].is_boolean()) fail(with(at, key), std::string(key) + " must be true or false");
    return obj[key].get<bool>();
  }
  std::vector<std::string> strings(const json& obj, const JsonPath& at, const char* key) const {
    std::vector<std::string> out;
    if (!obj.contains(key)) return out;
    if (!obj[key].is_array())
      fail(with(at, key), std::string(key) + " must be an array of strings");
    for (std::size_t i = 0; i < obj[key].size(); ++i) {
      if (!obj[key][i].is_string()) {
        JsonPath p = with(at, key);
        p.emplace_back(i);
        fail(p, "expected a string");
      }
      out.push_back(obj[key][i].get<std::string>());
    }
    return out;
  }
  std::int64_t time(const json& obj, const JsonPath& at, const char* key, std::int64_t def) const {
    if (!obj.contains(key)) return def;
    const json& v = obj[key];
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_string())
      if (auto t = parse_time(v.get<std::string>())) return *t;
    fail(with(at, key),
         std::string(key) + " must be unix seconds or a UTC time like \"2024-07-01T09:30:00Z\"");
  }
  static JsonPath with(JsonPath at, const char* key) {
    at.emplace_back(std::string(key));
    return at;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const std::string& text_;
  int line_base_;
  const std::string* whole_;
};

JsonPath key(const char* k) {
  return JsonPath{std::string(k)};
}
JsonPath idx(const char* k, std::size_t i) {
  return JsonPath{std::string(k), i};
}

Expectation read_expectation(const Checker& c, const json& e, const JsonPath& at, bool need_call) {
  c.only(e, at, {"call", "status", "reason", "kind", "answered_by", "dialled", "log_contains"});
  Expectation x;
  x.call = need_call ? c.req_str(e, at, "call") : c.str(e, at, "call");
  if (e.contains("status")) x.status = static_cast<int>(c.integer(e, at, "status", 0, 100, 699));
  if (e.contains("reason")) x.reason = c.str(e, at, "reason");
  if (e.contains("kind")) {
    x.kind = c.str(e, at, "kind");
    static const std::set<std::string> kKinds = {"answered", "responded", "unanswered",
                                                 "script_error", "cancelled"};
    if (!kKinds.count(*x.kind))
      c.fail(Checker::with(at, "kind"),
             "kind must be answered, responded, unanswered, script_error or cancelled");
  }
  if (e.contains("answered_by")) {
    x.answered_by = c.str(e, at, "answered_by");
    try {
      compile_match(*x.answered_by);
    } catch (const std::invalid_argument& err) {
      c.fail(Checker::with(at, "answered_by"), err.what());
    }
  }
  if (e.contains("dialled")) x.dialled = c.strings(e, at, "dialled");
  x.log_contains = c.strings(e, at, "log_contains");
  x.where = c.path() + ":" + std::to_string(c.line_of(at));
  return x;
}

}  // namespace

std::string read_text_file(const std::string& path) {
  const bool in = path == "-";
  std::FILE* f = in ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw InputError(path + ": cannot open file\n");
  std::string out;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
    if (out.size() > (64u << 20)) {
      if (!in) std::fclose(f);
      throw InputError(path + ": file larger than 64 MiB\n");
    }
  }
  const bool bad = std::ferror(f) != 0;
  if (!in) std::fclose(f);
  if (bad) throw InputError(path + ": read error\n");
  return out;
}

std::optional<std::int64_t> parse_time(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 15)
    return std::stoll(s);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  char tz[8] = {0};
  int n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::string rest = s.substr(static_cast<std::size_t>(n));
  int offset = 0;
  if (rest == "Z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(rest.c_str() + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset = (rest[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  } else {
    (void)tz;
    return std::nullopt;
  }
  // days_from_civil (H. Hinnant).
  std::int64_t yy = y - (mo <= 2);
  const std::int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  const auto yoe = static_cast<unsigned>(yy - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(mo > 2 ? mo - 3 : mo + 9) + 2) / 5 +
                       static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = era * 146097 + static_cast<std::int64_t>(doe) - 719468;
  return days * 86400 + h * 3600 + mi * 60 + sec - offset;
}

std::shared_ptr<const re2::RE2> compile_match(const std::string& pattern) {
  std::string re;
  if (pattern.rfind("regex:", 0) == 0) {
    re = pattern.substr(6);
  } else {
    re = "^";
    for (char ch : pattern) {
      if (ch == '*') {
        re += ".*";
      } else if (ch == '?') {
        re += '.';
      } else {
        re += RE2::QuoteMeta(std::string(1, ch));
      }
    }
    re += "$";
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(1 << 20);
  auto compiled = std::make_shared<const RE2>(re, options);
  if (!compiled->ok()) throw std::invalid_argument("bad regular expression: " + compiled->error());
  return compiled;
}

bool matches(const re2::RE2& re, const std::string& text) {
  return RE2::PartialMatch(text, re);
}

const OutcomeRule& OutcomeTable::find(const std::string& call_id,
                                      const std::vector<std::string>& candidates) const {
  for (const auto& rule : rules) {
    if (!rule.call.empty() && rule.call != call_id) continue;
    for (const auto& c : candidates)
      if (!c.empty() && matches(*rule.re, c)) return rule;
  }
  return fallback;
}

Environment load_environment(const std::string& path, const std::string& text) {
  const json doc = parse_json(path, text);
  Checker c(path, text);
  c.only(doc, {},
         {"owner", "dialplan_name", "time_zone", "start_time", "max_ring_seconds", "max_legs",
          "domains", "accounts", "providers"});
  Environment env;
  env.owner = c.str(doc, {}, "owner", env.owner);
  env.dialplan_name = c.str(doc, {}, "dialplan_name");
  env.time_zone = c.str(doc, {}, "time_zone", env.time_zone);
  env.start_time = c.time(doc, {}, "start_time", env.start_time);
  env.max_ring_seconds = static_cast<int>(c.integer(doc, {}, "max_ring_seconds", 180, 1, 3600));
  env.max_legs = static_cast<int>(c.integer(doc, {}, "max_legs", 20, 1, 1000));
  if (doc.contains("domains")) {
    if (!doc["domains"].is_array()) c.fail(key("domains"), "domains must be an array");
    for (std::size_t i = 0; i < doc["domains"].size(); ++i) {
      const json& d = doc["domains"][i];
      const JsonPath at = idx("domains", i);
      EnvDomain dom;
      if (d.is_string()) {
        dom.name = d.get<std::string>();
      } else {
        c.only(d, at, {"name", "aliases"});
        dom.name = c.req_str(d, at, "name");
        dom.aliases = c.strings(d, at, "aliases");
      }
      if (dom.name.empty()) c.fail(at, "empty domain name");
      env.domains.push_back(std::move(dom));
    }
  }
  if (env.domains.empty()) env.domains.push_back(EnvDomain{"sipsmith.test", {}});
  if (doc.contains("accounts")) {
    if (!doc["accounts"].is_array()) c.fail(key("accounts"), "accounts must be an array");
    for (std::size_t i = 0; i < doc["accounts"].size(); ++i) {
      const json& a = doc["accounts"][i];
      const JsonPath at = idx("accounts", i);
      c.only(a, at,
             {"username", "domain", "owner", "out_dialplan", "in_dialplan", "incoming_only",
              "disabled", "description", "network_id", "bindings"});
      EnvAccount acc;
      acc.view.username = c.req_str(a, at, "username");
      acc.view.domain = c.str(a, at, "domain", env.domains.front().name);
      acc.view.owner = c.str(a, at, "owner", env.owner);
      acc.view.out_dialplan = c.str(a, at, "out_dialplan");
      acc.view.in_dialplan = c.str(a, at, "in_dialplan");
      acc.view.incoming_only = c.boolean(a, at, "incoming_only", false);
      acc.view.disabled = c.boolean(a, at, "disabled", false);
      acc.view.description = c.str(a, at, "description");
      acc.network_id = c.str(a, at, "network_id");
      if (a.contains("bindings")) {
        if (!a["bindings"].is_array())
          c.fail(Checker::with(at, "bindings"), "bindings must be an array");
        for (std::size_t j = 0; j < a["bindings"].size(); ++j) {
          const json& b = a["bindings"][j];
          JsonPath bat = Checker::with(at, "bindings");
          bat.emplace_back(j);
          EnvBinding binding;
          if (b.is_string()) {
            binding.contact = b.get<std::string>();
          } else {
            c.only(b, bat,
                   {"contact", "mangled", "user_agent", "transport", "remote", "expires_in"});
            binding.contact = c.req_str(b, bat, "contact");
            binding.mangled = c.str(b, bat, "mangled");
            binding.user_agent = c.str(b, bat, "user_agent");
            binding.transport = c.str(b, bat, "transport", "udp");
            binding.remote = c.str(b, bat, "remote");
            binding.expires_in = c.integer(b, bat, "expires_in", 3600, 1, 1 << 30);
          }
          if (binding.mangled.empty()) binding.mangled = binding.contact;
          acc.bindings.push_back(std::move(binding));
        }
      }
      env.accounts.push_back(std::move(acc));
    }
  }
  if (doc.contains("providers")) {
    if (!doc["providers"].is_array()) c.fail(key("providers"), "providers must be an array");
    for (std::size_t i = 0; i < doc["providers"].size(); ++i) {
      const json& p = doc["providers"][i];
      const JsonPath at = idx("providers", i);
      c.only(p, at,
             {"name", "type", "server", "username", "auth_username", "from", "custom_headers",
              "outbound_proxy", "register", "read_only"});
      sip::dialplan::ProviderView v;
      v.name = c.req_str(p, at, "name");
      if (v.name.empty() || v.name.find('.') != std::string::npos)
        c.fail(Checker::with(at, "name"), "a provider name is not empty and has no '.'");
      v.type = c.str(p, at, "type", "sip");
      v.server = c.req_str(p, at, "server");
      v.username = c.str(p, at, "username");
      v.auth_username = c.str(p, at, "auth_username");
      v.from_template = c.str(p, at, "from");
      v.custom_headers = c.str(p, at, "custom_headers");
      v.outbound_proxy = c.str(p, at, "outbound_proxy");
      v.register_enabled = c.boolean(p, at, "register", false);
      v.read_only = c.boolean(p, at, "read_only", false);
      env.providers.push_back(std::move(v));
    }
  }
  return env;
}

OutcomeTable load_outcomes(const std::string& path, const std::string& text) {
  const json doc = parse_json(path, text);
  Checker c(path, text);
  c.only(doc, {}, {"default", "outcomes"});
  OutcomeTable table;
  auto read_rule = [&](const json& o, const JsonPath& at, bool need_match) {
    c.only(o, at, {"match", "call", "status", "reason", "delay", "contact"});
    OutcomeRule r;
    if (need_match) {
      r.match = c.req_str(o, at, "match");
      try {
        r.re = compile_match(r.match);
      } catch (const std::invalid_argument& e) {
        c.fail(Checker::with(at, "match"), e.what());
      }
    }
    r.call = c.str(o, at, "call");
    r.status = static_cast<int>(c.integer(o, at, "status", 480, 0, 699));
    if (r.status != 0 && r.status < 200)
      c.fail(Checker::with(at, "status"), "status must be 0 (no answer) or 200..699");
    r.reason = c.str(o, at, "reason");
    if (o.contains("delay")) {
      if (!o["delay"].is_number() || o["delay"].get<double>() < 0 ||
          o["delay"].get<double>() > 3600)
        c.fail(Checker::with(at, "delay"), "delay must be a number of seconds from 0 to 3600");
      r.delay = o["delay"].get<double>();
    }
    r.contact = c.str(o, at, "contact");
    if (r.status >= 300 && r.status < 400 && r.contact.empty())
      c.fail(at, "a 3xx outcome needs a \"contact\"");
    r.line = c.line_of(at);
    return r;
  };
  if (doc.contains("default")) table.fallback = read_rule(doc["default"], key("default"), false);
  if (doc.contains("outcomes")) {
    if (!doc["outcomes"].is_array()) c.fail(key("outcomes"), "outcomes must be an array");
    for (std::size_t i = 0; i < doc["outcomes"].size(); ++i)
      table.rules.push_back(read_rule(doc["outcomes"][i], idx("outcomes", i), true));
  }
  return table;
}

std::vector<Call> load_calls(const std::string& path, const std::string& text) {
  std::vector<Call> calls;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.find_first_not_of(" \t") != std::string::npos &&
        line.compare(line.find_first_not_of(" \t"), 2, "//") == 0)
      continue;
    const json o = parse_json(path, line, line_no - 1, &text);
    Checker c(path, line, line_no - 1, &text);
    c.only(o, {},
           {"id", "direction", "uri", "to", "from", "account", "headers", "content_type", "body",
            "at", "expect"});
    Call call;
    call.id = c.str(o, {}, "id", "call-" + std::to_string(calls.size() + 1));
    const std::string dir = c.req_str(o, {}, "direction");
    if (dir == "in") {
      call.direction = sip::dialplan::Direction::In;
    } else if (dir == "out") {
      call.direction = sip::dialplan::Direction::Out;
    } else {
      c.fail(key("direction"), "direction must be \"in\" or \"out\"");
    }
    call.uri = c.str(o, {}, "uri");
    call.to = c.str(o, {}, "to");
    if (call.uri.empty()) call.uri = call.to;
    if (call.uri.empty()) c.fail({}, "a call needs \"uri\" (the request-URI) or \"to\"");
    if (call.to.empty()) call.to = call.uri;
    call.from = c.str(o, {}, "from", "sip:thisis@anonymous.invalid");
    call.account = c.str(o, {}, "account");
    call.headers = c.strings(o, {}, "headers");
    call.content_type = c.str(o, {}, "content_type");
    call.body = c.str(o, {}, "body");
    if (o.contains("at")) call.at = c.time(o, {}, "at", 0);
    if (o.contains("expect")) {
      call.expect = read_expectation(c, o["expect"], key("expect"), false);
      call.expect->call = call.id;
    }
    call.where = path + ":" + std::to_string(line_no);
    calls.push_back(std::move(call));
  }
  return calls;
}

std::vector<Expectation> load_expectations(const std::string& path, const std::string& text) {
  const json doc = parse_json(path, text);
  Checker c(path, text);
  c.only(doc, {}, {"expectations"});
  if (!doc.contains("expectations") || !doc["expectations"].is_array())
    c.fail({}, "an expectations file is {\"expectations\": [ ... ]}");
  std::vector<Expectation> out;
  for (std::size_t i = 0; i < doc["expectations"].size(); ++i)
    out.push_back(read_expectation(c, doc["expectations"][i], idx("expectations", i), true));
  return out;
}

}  // namespace dialplan_test
