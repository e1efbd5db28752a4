// The wizard plan document:
// {
//   "format": "sipsmith-wizard", "version": 1,      (both optional)
//   "description": "text",                          (optional)
//   "rules": [ {rule}, ... ]
// }
// rule fields (unknown fields are errors, to catch typos):
//   direction      "in" | "out"                     required
//   priority       number, default 1; lower runs first, ties keep file order
//   description    string (<= 256 bytes)
//   enabled        bool, default true
//   pattern_type   "exact" | "prefix" | "regex"; required for out rules,
//                  in rules default to "regex"
//   pattern        out: the dialled number pattern (required, non-empty)
//                  in: caller pattern on the From display name or From URI
//                      (sip:user@host, no parameters); empty/absent = anyone
//   to_match       in only: "any" (default) | "account" | "provider" | "regex"
//   to             in only: account "user@domain" or "user", provider tag, or regex
//   time           "MTuWThF;09:00-17:00" or {"days": "MTuWThF", "start": "09:00",
//                  "end": "17:00"}: local time of the owner's time zone
//   command        "dial" | "dial_advanced" | "reject"   required
//   destination    dial: default "${EXTEN}"
//   provider       dial: provider name or "local"; may be omitted only when
//                  destination is a full "user@host" or sip: URI
//   dial_string    dial_advanced: required
//   ring_seconds   dial_advanced: 0 (default) = the maximum ring time
//   answered_limit_seconds  dial_advanced: 0 = none
//   status         reject: 400..699, default 480
//   reason         reject: default the standard phrase
#include <re2/re2.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "sip/wizard/source_pos.hpp"
#include "sip/wizard/wizard_plan.hpp"

namespace sip::wizard {
namespace {

using nlohmann::json;

struct Failure {
  JsonPath path;
  std::string message;
};

std::string where(const JsonPath& path) {
  std::string out;
  for (const auto& step : path) {
    if (const auto* key = std::get_if<std::string>(&step)) {
      if (!out.empty()) out += '.';
      out += *key;
    } else {
      out += '[' + std::to_string(std::get<std::size_t>(step)) + ']';
    }
  }
  return out;
}

class RuleReader {
 public:
  RuleReader(const json& obj, std::size_t index, const WizardLimits& limits)
      : obj_(obj), index_(index), limits_(limits) {}

  std::optional<Failure> read(Rule& rule) {
    rule.index = index_;
    if (!obj_.is_object()) return fail_rule("a rule must be a JSON object");
    static const std::set<std::string> kKnown = {
        "direction",   "priority", "description", "enabled",      "pattern_type",
        "pattern",     "to_match", "to",          "time",         "command",
        "destination", "provider", "dial_string", "ring_seconds", "answered_limit_seconds",
        "status",      "reason",   "id"};
    for (auto it = obj_.begin(); it != obj_.end(); ++it)
      if (!kKnown.count(it.key())) return fail(it.key(), "unknown field \"" + it.key() + "\"");

    std::string text;
    if (auto f = req_string("direction", text)) return f;
    if (text == "in") {
      rule.direction = RuleDirection::In;
    } else if (text == "out") {
      rule.direction = RuleDirection::Out;
    } else {
      return fail("direction", "direction must be \"in\" or \"out\", got \"" + text + "\"");
    }
    const bool in = rule.direction == RuleDirection::In;
    if (obj_.contains("priority")) {
      const json& p = obj_["priority"];
      if (!p.is_number()) return fail("priority", "priority must be a number");
      rule.priority = p.get<double>();
    }
    if (auto f = opt_string("description", rule.description, 256)) return f;
    if (obj_.contains("enabled")) {
      if (!obj_["enabled"].is_boolean()) return fail("enabled", "enabled must be true or false");
      rule.enabled = obj_["enabled"].get<bool>();
    }

    // Pattern.
    if (obj_.contains("pattern_type")) {
      if (auto f = req_string("pattern_type", text)) return f;
      if (text == "exact") {
        rule.pattern_type = PatternType::Exact;
      } else if (text == "prefix") {
        rule.pattern_type = PatternType::Prefix;
      } else if (text == "regex") {
        rule.pattern_type = PatternType::Regex;
      } else {
        return fail(
            "pattern_type",
            "pattern_type must be \"exact\", \"prefix\" or \"regex\", got \"" + text + "\"");
      }
    } else if (in) {
      rule.pattern_type = PatternType::Regex;
    } else {
      return fail_rule("an outgoing rule needs \"pattern_type\" (exact, prefix or regex)");
    }
    if (auto f = opt_string("pattern", rule.pattern, limits_.max_pattern_bytes)) return f;
    if (!in && rule.pattern.empty())
      return fail("pattern", "an outgoing rule needs a non-empty pattern");
    if (!rule.pattern.empty() && rule.pattern_type != PatternType::Exact) {
      const std::string re =
          rule.pattern_type == PatternType::Prefix ? prefix_to_regex(rule.pattern) : rule.pattern;
      if (auto f = check_regex("pattern", re)) return f;
    }

    // Called account (in only).
    if (obj_.contains("to_match") || obj_.contains("to")) {
      if (!in)
        return fail(obj_.contains("to_match") ? "to_match" : "to",
                    "to_match/to apply to incoming rules only");
    }
    if (obj_.contains("to_match")) {
      if (auto f = req_string("to_match", text)) return f;
      if (text == "any") {
        rule.to_match = ToMatch::Any;
      } else if (text == "account") {
        rule.to_match = ToMatch::Account;
      } else if (text == "provider") {
        rule.to_match = ToMatch::Provider;
      } else if (text == "regex") {
        rule.to_match = ToMatch::Regex;
      } else {
        return fail("to_match",
                    "to_match must be \"any\", \"account\", \"provider\" or \"regex\", got \"" +
                        text + "\"");
      }
    }
    if (auto f = opt_string("to", rule.to, limits_.max_pattern_bytes)) return f;
    if (rule.to_match != ToMatch::Any && rule.to.empty())
      return fail(obj_.contains("to") ? "to" : "to_match", std::string("to_match \"") +
                                                               to_match_name(rule.to_match) +
                                                               "\" needs a non-empty \"to\"");
    if (rule.to_match == ToMatch::Regex)
      if (auto f = check_regex("to", rule.to)) return f;

    // Time window.
    if (obj_.contains("time")) {
      const json& t = obj_["time"];
      std::string spec;
      if (t.is_string()) {
        spec = t.get<std::string>();
      } else if (t.is_object()) {
        for (auto it = t.begin(); it != t.end(); ++it)
          if (it.key() != "days" && it.key() != "start" && it.key() != "end")
            return fail_at({"time", it.key()},
                           "unknown field \"" + it.key() + "\" (days, start, end)");
        for (const char* k : {"days", "start", "end"})
          if (t.contains(k) && !t[k].is_string())
            return fail_at({"time", std::string(k)}, std::string(k) + " must be a string");
        if (!t.contains("start") || !t.contains("end"))
          return fail("time", "a time window needs \"start\" and \"end\" (HH:MM)");
        spec = t.value("days", std::string()) + ";" + t["start"].get<std::string>() + "-" +
               t["end"].get<std::string>();
      } else {
        return fail("time", "time must be a string \"DAYS;HH:MM-HH:MM\" or an object");
      }
      std::string error;
      rule.time = parse_time_window(spec, &error);
      if (!rule.time) return fail("time", error);
    }

    // Command.
    if (auto f = req_string("command", text)) return f;
    if (text == "dial") {
      rule.command = Command::Dial;
    } else if (text == "dial_advanced") {
      rule.command = Command::DialAdvanced;
    } else if (text == "reject") {
      rule.command = Command::Reject;
    } else {
      return fail("command", "command must be \"dial\", \"dial_advanced\" or \"reject\", got \"" +
                                 text + "\"");
    }
    auto only_for = [&](const char* key, Command c) -> std::optional<Failure> {
      if (obj_.contains(key) && rule.command != c)
        return fail(key, std::string("\"") + key + "\" applies to command \"" + command_name(c) +
                             "\" only");
      return std::nullopt;
    };
    for (const char* k : {"destination", "provider"})
      if (auto f = only_for(k, Command::Dial)) return f;
    for (const char* k : {"dial_string", "ring_seconds", "answered_limit_seconds"})
      if (auto f = only_for(k, Command::DialAdvanced)) return f;
    for (const char* k : {"status", "reason"})
      if (auto f = only_for(k, Command::Reject)) return f;

    switch (rule.command) {
      case Command::Dial: {
        if (auto f = opt_string("destination", rule.destination, 4096)) return f;
        if (rule.destination.empty()) rule.destination = "${EXTEN}";
        if (auto f = opt_string("provider", rule.provider, 256)) return f;
        if (rule.provider.find_first_of("@|&[]") != std::string::npos)
          return fail("provider", "provider must be a provider name or \"local\"");
        const bool full = rule.destination.find('@') != std::string::npos ||
                          rule.destination.rfind("sip:", 0) == 0 ||
                          rule.destination.rfind("sips:", 0) == 0;
        if (rule.provider.empty() && !full)
          return fail_rule("command \"dial\" needs \"provider\" (a provider name or \"local\")");
        if (!rule.provider.empty() && full)
          return fail("destination",
                      "destination already names a host; leave \"provider\" out or use a number");
        break;
      }
      case Command::DialAdvanced:
        if (auto f = req_string("dial_string", rule.dial_string)) return f;
        if (rule.dial_string.empty()) return fail("dial_string", "dial_string is empty");
        if (auto f = opt_int("ring_seconds", rule.ring_seconds, 0, 3600)) return f;
        if (auto f = opt_int("answered_limit_seconds", rule.answered_limit_seconds, 0, 2147483647))
          return f;
        break;
      case Command::Reject:
        if (auto f = opt_int("status", rule.status, 400, 699)) return f;
        if (auto f = opt_string("reason", rule.reason, 256)) return f;
        if (rule.reason.find_first_of("\r\n") != std::string::npos)
          return fail("reason", "reason must be one line");
        break;
    }
    return std::nullopt;
  }

 private:
  std::optional<Failure> fail(std::optional<std::string> key, std::string message) const {
    JsonPath path{std::string("rules"), index_};
    if (key) path.emplace_back(*key);
    return Failure{std::move(path), std::move(message)};
  }
  std::optional<Failure> fail_rule(std::string message) const {
    return fail(std::optional<std::string>(), std::move(message));
  }
  std::optional<Failure> fail(const char* key, std::string message) const {
    return fail(std::optional<std::string>(key), std::move(message));
  }
  std::optional<Failure> fail(const std::string& key, std::string message) const {
    return fail(std::optional<std::string>(key), std::move(message));
  }
  std::optional<Failure> fail_at(JsonPath sub, std::string message) const {
    JsonPath path{std::string("rules"), index_};
    path.insert(path.end(), sub.begin(), sub.end());
    return Failure{std::move(path), std::move(message)};
  }
  std::optional<Failure> req_string(const char* key, std::string& out) const {
    if (!obj_.contains(key)) return fail_rule(std::string("missing \"") + key + "\"");
    if (!obj_[key].is_string()) return fail(key, std::string(key) + " must be a string");
    out = obj_[key].get<std::string>();
    return std::nullopt;
  }
  std::optional<Failure> opt_string(const char* key, std::string& out, std::size_t max) const {
    if (!obj_.contains(key)) return std::nullopt;
    if (!obj_[key].is_string()) return fail(key, std::string(key) + " must be a string");
    out = obj_[key].get<std::string>();
    if (out.size() > max)
      return fail(key, std::string(key) + " is longer than " + std::to_string(max) + " bytes");
    return std::nullopt;
  }
  std::optional<Failure> opt_int(const char* key, int& out, int min, int max) const {
    if (!obj_.contains(key)) return std::nullopt;
    const json& v = obj_[key];
    if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max)
      return fail(key, std::string(key) + " must be an integer from " + std::to_string(min) +
                           " to " + std::to_string(max));
    out = v.get<int>();
    return std::nullopt;
  }
  std::optional<Failure> check_regex(const char* key, const std::string& re) const {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(limits_.regex_max_mem);
    RE2 compiled(re, options);
    if (!compiled.ok()) return fail(key, "bad regular expression: " + compiled.error());
    return std::nullopt;
  }

  const json& obj_;
  std::size_t index_;
  const WizardLimits& limits_;
};

dialplan::Diagnostic at(std::string_view text, const JsonPath& path, std::string message) {
  const LineCol lc = line_col(text, json_locate(text, path));
  const std::string prefix = where(path);
  return dialplan::Diagnostic{lc.line, lc.column,
                              prefix.empty() ? message : prefix + ": " + message};
}

}  // namespace

std::string prefix_to_regex(std::string_view pattern) {
  if (!pattern.empty() && pattern.front() == '_') pattern.remove_prefix(1);
  std::string re = "^";
  for (char c : pattern) {
    switch (c) {
      case 'X': re += "[0-9]"; break;
      case 'Z': re += "[1-9]"; break;
      case 'N': re += "[2-9]"; break;
      case '*': re += "\\*"; break;
      case '+': re += "\\+"; break;
      default: re += c; break;
    }
  }
  return re;
}

std::variant<std::vector<Rule>, dialplan::Diagnostic> parse_wizard_document(
    std::string_view text, const WizardLimits& limits) {
  if (text.size() > limits.max_source_bytes)
    return dialplan::Diagnostic{
        0, 0, "document is larger than " + std::to_string(limits.max_source_bytes) + " bytes"};
  json doc;
  try {
    doc = json::parse(text.begin(), text.end(), nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    const LineCol lc = line_col(text, e.byte == 0 ? 0 : e.byte - 1);
    std::string message = e.what();
    if (auto p = message.find("column "); p != std::string::npos) {
      if (auto colon = message.find(": ", p); colon != std::string::npos)
        message = message.substr(colon + 2);
    }
    return dialplan::Diagnostic{lc.line, lc.column, "invalid JSON: " + message};
  }
  if (!doc.is_object())
    return at(text, {}, "a wizard plan must be a JSON object with a \"rules\" array");
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() != "format" && it.key() != "version" && it.key() != "description" &&
        it.key() != "rules" && it.key() != "name")
      return at(text, {it.key()}, "unknown field \"" + it.key() + "\"");
  }
  if (doc.contains("format") &&
      (!doc["format"].is_string() || doc["format"].get<std::string>() != "sipsmith-wizard"))
    return at(text, {std::string("format")}, "format must be \"sipsmith-wizard\"");
  if (doc.contains("version") && (!doc["version"].is_number_integer() || doc["version"] != 1))
    return at(text, {std::string("version")}, "unsupported version (this build reads version 1)");
  if (!doc.contains("rules") || !doc["rules"].is_array())
    return at(text, doc.contains("rules") ? JsonPath{std::string("rules")} : JsonPath{},
              "a wizard plan needs a \"rules\" array");
  const json& rules = doc["rules"];
  if (rules.size() > limits.max_rules)
    return at(text, {std::string("rules")},
              "more than " + std::to_string(limits.max_rules) + " rules");
  std::vector<Rule> out;
  out.reserve(rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    Rule rule;
    if (auto f = RuleReader(rules[i], i, limits).read(rule)) return at(text, f->path, f->message);
    out.push_back(std::move(rule));
  }
  return out;
}

}  // namespace sip::wizard
