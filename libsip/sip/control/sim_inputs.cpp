#include "sip/control/sim_inputs.hpp"

#include <cstdio>
#include <limits>
#include <set>

namespace sip::control {
namespace {

using nlohmann::json;

// "outcomes[2].status"
std::string path_text(const JsonChecker::Path& at) {
  std::string out;
  for (const auto& step : at) {
    if (const auto* k = std::get_if<std::string>(&step)) {
      if (!out.empty()) out += '.';
      out += *k;
    } else {
      out += "[" + std::to_string(std::get<std::size_t>(step)) + "]";
    }
  }
  return out;
}

dialer::OutcomeTable read_outcomes(const JsonChecker& c, const json& doc, std::size_t max_rules) {
  using Path = JsonChecker::Path;
  c.only(doc, {}, {"default", "outcomes"});
  dialer::OutcomeTable table;
  auto read_rule = [&](const json& o, const Path& at, bool need_match) {
    c.only(o, at, {"match", "call", "status", "reason", "delay", "contact"});
    dialer::OutcomeRule r;
    if (need_match) {
      r.match = c.req_str(o, at, "match");
      try {
        r.re = dialer::compile_match(r.match);
      } catch (const std::invalid_argument& e) {
        c.fail(JsonChecker::with(at, "match"), e.what());
      }
    }
    r.call = c.str(o, at, "call");
    r.status = static_cast<int>(c.integer(o, at, "status", 480, 0, 699));
    if (r.status != 0 && r.status < 200)
      c.fail(JsonChecker::with(at, "status"), "status must be 0 (no answer) or 200..699");
    r.reason = c.str(o, at, "reason");
    if (o.contains("delay")) {
      if (!o["delay"].is_number() || o["delay"].get<double>() < 0 ||
          o["delay"].get<double>() > 3600)
        c.fail(JsonChecker::with(at, "delay"), "delay must be a number of seconds from 0 to 3600");
      r.delay = o["delay"].get<double>();
    }
    r.contact = c.str(o, at, "contact");
    if (r.status >= 300 && r.status < 400 && r.contact.empty())
      c.fail(at, "a 3xx outcome needs a \"contact\"");
    r.line = c.line_of(at);
    return r;
  };
  if (doc.contains("default"))
    table.fallback = read_rule(doc["default"], Path{std::string("default")}, false);
  if (doc.contains("outcomes")) {
    const Path list{std::string("outcomes")};
    if (!doc["outcomes"].is_array()) c.fail(list, "outcomes must be an array");
    if (doc["outcomes"].size() > max_rules)
      c.fail(list, "more than " + std::to_string(max_rules) + " outcomes");
    for (std::size_t i = 0; i < doc["outcomes"].size(); ++i)
      table.rules.push_back(read_rule(doc["outcomes"][i], Path{std::string("outcomes"), i}, true));
  }
  return table;
}

}  // namespace

json parse_json_text(const std::string& path, const std::string& text, int line_base,
                     const std::string* whole) {
  try {
    return json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    auto lc = wizard::line_col(text, e.byte == 0 ? 0 : e.byte - 1);
    std::string message = e.what();
    if (auto p = message.find("column "); p != std::string::npos)
      if (auto c = message.find(": ", p); c != std::string::npos) message = message.substr(c + 2);
    throw InputError(wizard::format_diagnostic(path, whole ? *whole : text, lc.line + line_base,
                                               lc.column, "invalid JSON: " + message));
  }
}

JsonChecker::JsonChecker(std::string path, const std::string& text, int line_base,
                         const std::string* whole)
    : path_(std::move(path)), text_(&text), line_base_(line_base), whole_(whole) {}

JsonChecker JsonChecker::unlocated(std::string where) {
  static const std::string kNone;
  JsonChecker c(std::move(where), kNone);
  c.text_ = nullptr;
  return c;
}

void JsonChecker::fail(const Path& at, const std::string& message) const {
  if (text_ == nullptr) {
    const std::string p = path_text(at);
    throw InputError(path_ + ": " + (p.empty() ? "" : p + ": ") + message + "\n");
  }
  auto lc = wizard::line_col(*text_, wizard::json_locate(*text_, at));
  throw InputError(wizard::format_diagnostic(path_, whole_ ? *whole_ : *text_, lc.line + line_base_,
                                             lc.column, message));
}

int JsonChecker::line_of(const Path& at) const {
  if (text_ == nullptr) return 0;
  return wizard::line_col(*text_, wizard::json_locate(*text_, at)).line + line_base_;
}

void JsonChecker::only(const json& obj, const Path& at,
                       std::initializer_list<const char*> keys) const {
  if (!obj.is_object()) fail(at, "expected a JSON object");
  std::set<std::string> known(keys.begin(), keys.end());
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (!known.count(it.key())) {
      Path p = at;
      p.emplace_back(it.key());
      fail(p, "unknown field \"" + it.key() + "\"");
    }
}

std::string JsonChecker::str(const json& obj, const Path& at, const char* key,
                             std::string def) const {
  if (!obj.contains(key)) return def;
  if (!obj[key].is_string()) fail(with(at, key), std::string(key) + " must be a string");
  return obj[key].get<std::string>();
}

std::string JsonChecker::req_str(const json& obj, const Path& at, const char* key) const {
  if (!obj.contains(key)) fail(at, std::string("missing \"") + key + "\"");
  return str(obj, at, key);
}

std::int64_t JsonChecker::integer(const json& obj, const Path& at, const char* key,
                                  std::int64_t def, std::int64_t min, std::int64_t max) const {
  if (!obj.contains(key)) return def;
  const json& v = obj[key];
  if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max)
    fail(with(at, key), std::string(key) + " must be an integer from " + std::to_string(min) +
                            " to " + std::to_string(max));
  return v.get<std::int64_t>();
}

bool JsonChecker::boolean(const json& obj, const Path& at, const char* key, bool def) const {
  if (!obj.contains(key)) return def;
  if (!obj[key].is_boolean()) fail(with(at, key), std::string(key) + " must be true or false");
  return obj[key].get<bool>();
}

std::vector<std::string> JsonChecker::strings(const json& obj, const Path& at,
                                              const char* key) const {
  std::vector<std::string> out;
  if (!obj.contains(key)) return out;
  if (!obj[key].is_array()) fail(with(at, key), std::string(key) + " must be an array of strings");
  for (std::size_t i = 0; i < obj[key].size(); ++i) {
    if (!obj[key][i].is_string()) {
      Path p = with(at, key);
      p.emplace_back(i);
      fail(p, "expected a string");
    }
    out.push_back(obj[key][i].get<std::string>());
  }
  return out;
}

std::int64_t JsonChecker::time(const json& obj, const Path& at, const char* key,
                               std::int64_t def) const {
  if (!obj.contains(key)) return def;
  const json& v = obj[key];
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_string())
    if (auto t = parse_time(v.get<std::string>())) return *t;
  fail(with(at, key),
       std::string(key) + " must be unix seconds or a UTC time like \"2024-07-01T09:30:00Z\"");
}

JsonChecker::Path JsonChecker::with(Path at, const char* key) {
  at.emplace_back(std::string(key));
  return at;
}

std::optional<std::int64_t> parse_time(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 15)
    return std::stoll(s);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
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

dialer::OutcomeTable load_outcomes(const std::string& path, const std::string& text) {
  const json doc = parse_json_text(path, text);
  return read_outcomes(JsonChecker(path, text), doc, std::numeric_limits<std::size_t>::max());
}

dialer::OutcomeTable outcomes_from_json(const json& doc, const std::string& where,
                                        std::size_t max_rules) {
  return read_outcomes(JsonChecker::unlocated(where), doc, max_rules);
}

}  // namespace sip::control
