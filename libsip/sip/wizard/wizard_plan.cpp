// Compiled wizard plans and their executions (see wizard_plan.hpp).
#include "sip/wizard/wizard_plan.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <utility>

#include "sip/base/ci.hpp"
#include "sip/dialplan/outcome.hpp"
#include "sip/uri/escape.hpp"
#include "sip/wizard/time_zone.hpp"

namespace sip::wizard {
namespace {

using dialplan::Action;
using dialplan::ActionResult;
using dialplan::Done;

struct CompiledRule {
  Rule rule;
  std::unique_ptr<RE2> pattern;  // Prefix/Regex patterns
  std::unique_ptr<RE2> to;       // ToMatch::Regex
};

std::unique_ptr<RE2> make_re(const std::string& text, const WizardLimits& limits) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(limits.regex_max_mem);
  return std::make_unique<RE2>(text, options);
}

struct PlanData {
  std::string name;
  std::vector<CompiledRule> in;   // priority order
  std::vector<CompiledRule> out;  // priority order
  std::size_t total = 0;
};

bool pattern_matches(const CompiledRule& r, std::string_view text) {
  if (r.rule.pattern_type == PatternType::Exact) return text == r.rule.pattern;
  return RE2::PartialMatch(text, *r.pattern);
}

// "sip:user@host[:port]" without parameters.
std::string parameterless(const dialplan::UriParts& u) {
  std::string s = u.scheme.empty() ? "sip" : u.scheme;
  s += ':';
  if (!u.user.empty()) s += u.user + "@";
  s += u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  if (u.port != 0) s += ":" + std::to_string(u.port);
  return s;
}

std::string describe(const Rule& r) {
  std::string s = "rules[" + std::to_string(r.index) + "]";
  if (!r.description.empty()) s += " \"" + r.description + "\"";
  return s;
}

class WizardExecution final : public dialplan::Execution {
 public:
  explicit WizardExecution(std::shared_ptr<const PlanData> plan) : plan_(std::move(plan)) {}

  Action start(const dialplan::CallContext& ctx) override {
    ctx_ = ctx;
    host_ = ctx_.host ? ctx_.host : &null_host_;
    select_rules();
    return next();
  }

  Action resume(ActionResult result) override {
    if (done_) return *done_;
    if (std::holds_alternative<dialplan::CallerCancelled>(result))
      return finish(dialplan::OutcomeTracker::cancelled());
    if (awaiting_dial_) {
      awaiting_dial_ = false;
      dialplan::DialResult dial;
      if (auto* r = std::get_if<dialplan::DialResult>(&result)) {
        dial = std::move(*r);
      } else {
        dial.outcome = dialplan::DialOutcome::Error;
      }
      switch (dial.outcome) {
        case dialplan::DialOutcome::Answered:
        case dialplan::DialOutcome::AlreadyAnswered:
          return finish(dialplan::OutcomeTracker::answered());
        case dialplan::DialOutcome::ClientCancelled:
          return finish(dialplan::OutcomeTracker::cancelled());
        default:
          tracker_.record_dial(dial);
          outbox_.push_back(dialplan::Log{
              std::string("wizard: dial ") + dialplan::dial_outcome_name(dial.outcome) +
                  (tracker_.has_failure() ? " (" + std::to_string(tracker_.failure_status()) + " " +
                                                tracker_.failure_reason() + ")"
                                          : std::string()) +
                  ", trying the next matching rule",
              dialplan::ConsoleLevel::Info});
          break;
      }
    }
    return next();
  }

  bool done() const noexcept override { return done_.has_value(); }

 private:
  void select_rules() {
    const bool in = ctx_.direction == dialplan::Direction::In;
    const auto& rules = in ? plan_->in : plan_->out;
    // Local time in the owner's zone.
    const std::int64_t now = ctx_.clock ? ctx_.clock->unix_seconds() : 0;
    std::int64_t offset = static_cast<std::int64_t>(ctx_.tz_offset_minutes) * 60;
    bool need_time = false;
    for (const auto& r : rules) need_time = need_time || r.rule.time.has_value();
    if (need_time) {
      auto zone = TimeZoneDb::shared().find(ctx_.time_zone);
      if (zone) {
        offset = zone->offset_seconds(now);
      } else {
        log("wizard: time zone \"" + ctx_.time_zone + "\": " + zone.error().detail + "; using UTC" +
                (offset >= 0 ? "+" : "") + std::to_string(offset / 60) + " min",
            dialplan::ConsoleLevel::Warn);
      }
    }
    const std::int64_t local = now + offset;
    const std::int64_t days = local / 86400 - (local % 86400 < 0);
    const int weekday = static_cast<int>(((days + 3) % 7 + 7) % 7);  // 1970-01-01 = Thursday
    const int minute = static_cast<int>((local - days * 86400) / 60);

    // What the rules look at.
    const std::string user = uri::unescape(ctx_.request.uri.user);
    std::string to_account;
    if (in) {
      auto canonical = host_->canonical_domain(ctx_.request.uri.host);
      to_account = user + "@" + (canonical ? *canonical : to_lower(ctx_.request.uri.host));
    }
    const std::string from_uri = parameterless(ctx_.request.from_uri);

    for (const auto& r : rules) {
      if (!r.rule.enabled) continue;
      if (r.rule.time && !window_contains(*r.rule.time, weekday, minute)) continue;
      if (in) {
        if (!to_matches(r, user, to_account)) continue;
        if (!r.rule.pattern.empty() && !pattern_matches(r, ctx_.request.from_display) &&
            !pattern_matches(r, from_uri))
          continue;
      } else if (!pattern_matches(r, user)) {
        continue;
      }
      matches_.push_back(&r.rule);
    }
    log("wizard: " + std::to_string(matches_.size()) + " of " + std::to_string(rules.size()) + " " +
            (in ? "incoming rules match the call to " + to_account
                : "outgoing rules match the number " + user),
        dialplan::ConsoleLevel::Info);
  }

  bool to_matches(const CompiledRule& r, const std::string& user, const std::string& to_account) {
    switch (r.rule.to_match) {
      case ToMatch::Any: return true;
      case ToMatch::Account: {
        const std::string& want = r.rule.to;
        const auto at = want.rfind('@');
        if (at == std::string::npos) return want == user;
        if (want.substr(0, at) != user) return false;
        const std::string want_host = want.substr(at + 1);
        auto canonical = host_->canonical_domain(want_host);
        const std::string domain = to_account.substr(to_account.rfind('@') + 1);
        return ci_equal(canonical ? *canonical : want_host, domain);
      }
      case ToMatch::Provider: {
        const auto dot = user.rfind('.');
        return dot != std::string::npos && ci_equal(user.substr(0, dot), r.rule.to);
      }
      case ToMatch::Regex: return RE2::PartialMatch(to_account, *r.to);
    }
    return false;
  }

  void log(std::string text, dialplan::ConsoleLevel level) {
    outbox_.push_back(dialplan::Log{std::move(text), level});
  }

  Action next() {
    if (outbox_.empty() && !final_) {
      if (pos_ < matches_.size()) {
        const Rule& rule = *matches_[pos_++];
        if (rule.command == Command::Reject) {
          log("wizard: " + describe(rule) + ": reject " + std::to_string(rule.status),
              dialplan::ConsoleLevel::Info);
          final_ = dialplan::OutcomeTracker::responded(rule.status, rule.reason, {});
        } else {
          dialplan::Dial dial;
          dial.dial_string = rule_dial_string(rule);
          const int max_ring = std::max(1, ctx_.limits.max_ring_seconds);
          dial.ring_seconds =
              rule.ring_seconds <= 0 ? max_ring : std::min(rule.ring_seconds, max_ring);
          dial.answered_limit_seconds = rule.answered_limit_seconds;
          log("wizard: " + describe(rule) + ": dial " + dial.dial_string,
              dialplan::ConsoleLevel::Info);
          outbox_.push_back(std::move(dial));
        }
      } else if (!final_) {
        final_ = tracker_.unanswered();
      }
    }
    if (outbox_.empty()) return finish(*final_);
    Action a = std::move(outbox_.front());
    outbox_.pop_front();
    awaiting_dial_ = std::holds_alternative<dialplan::Dial>(a);
    return a;
  }

  Action finish(Done done) {
    outbox_.clear();
    done_ = std::move(done);
    return *done_;
  }

  std::shared_ptr<const PlanData> plan_;
  dialplan::CallContext ctx_;
  dialplan::Host* host_ = nullptr;
  dialplan::NullHost null_host_;
  std::vector<const Rule*> matches_;
  std::size_t pos_ = 0;
  std::deque<Action> outbox_;
  bool awaiting_dial_ = false;
  dialplan::OutcomeTracker tracker_;
  std::optional<Done> final_;
  std::optional<Done> done_;
};

class WizardPlan final : public dialplan::CompiledPlan {
 public:
  explicit WizardPlan(std::shared_ptr<const PlanData> data) : data_(std::move(data)) {}
  dialplan::PlanType type() const noexcept override { return dialplan::PlanType::Wizard; }
  const std::string& name() const noexcept override { return data_->name; }
  std::unique_ptr<dialplan::Execution> new_execution() const override {
    return std::make_unique<WizardExecution>(data_);
  }

 private:
  std::shared_ptr<const PlanData> data_;
};

}  // namespace

dialplan::CompileResult WizardCompiler::compile(std::string_view name,
                                                std::string_view source) const {
  dialplan::CompileResult result;
  if (name.empty()) {
    result.error = dialplan::Diagnostic{0, 0, "dial plan name is empty"};
    return result;
  }
  auto parsed = parse_wizard_document(source, limits_);
  if (auto* diag = std::get_if<dialplan::Diagnostic>(&parsed)) {
    result.error = std::move(*diag);
    return result;
  }
  auto rules = std::move(std::get<std::vector<Rule>>(parsed));
  std::stable_sort(rules.begin(), rules.end(),
                   [](const Rule& a, const Rule& b) { return a.priority < b.priority; });
  auto data = std::make_shared<PlanData>();
  data->name = std::string(name);
  data->total = rules.size();
  for (auto& rule : rules) {
    CompiledRule c;
    c.rule = std::move(rule);
    if (c.rule.pattern_type != PatternType::Exact && !c.rule.pattern.empty())
      c.pattern =
          make_re(c.rule.pattern_type == PatternType::Prefix ? prefix_to_regex(c.rule.pattern)
                                                             : c.rule.pattern,
                  limits_);
    if (c.rule.to_match == ToMatch::Regex) c.to = make_re(c.rule.to, limits_);
    (c.rule.direction == RuleDirection::In ? data->in : data->out).push_back(std::move(c));
  }
  result.plan = std::make_shared<WizardPlan>(std::move(data));
  return result;
}

}  // namespace sip::wizard
