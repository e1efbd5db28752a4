#include "sip/provreg/binding.hpp"

#include <algorithm>
#include <random>

#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/dns/errors.hpp"
#include "sip/dns/resolver.hpp"
#include "sip/dns/rfc3263.hpp"

namespace sip::provreg {
namespace {

constexpr std::string_view kModule = "provreg";

transport::Destination destination_of(const dns::Target& t) {
  transport::Destination d;
  d.kind = t.kind;
  d.address = t.address;
  d.tls_name = t.tls_name;
  return d;
}

double random_unit() {
  std::uint8_t b[4];
  random_bytes(b);
  const std::uint32_t v =
      (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  return static_cast<double>(v) / 4294967295.0;
}

}  // namespace

Agent::Binding::Binding(const Services& services, const AgentConfig& config,
                        store::Provider provider, std::uint64_t fingerprint, ProviderPlan plan)
    : svc_(services),
      config_(config),
      provider_(std::move(provider)),
      fingerprint_(fingerprint),
      plan_(std::move(plan)) {
  status_.provider_id = provider_.id;
  status_.owner_id = provider_.owner_id;
  status_.provider = provider_.name;
  status_.contact = plan_->config.contact;
}

Agent::Binding::~Binding() {
  if (timer_ != 0) svc_.timers->cancel(timer_);
}

std::int64_t Agent::Binding::now_s() const {
  return svc_.wall->unix_seconds();
}

void Agent::Binding::later(std::function<void()> fn) {
  std::weak_ptr<int> alive = alive_;
  svc_.timers->start(Duration::zero(), [alive, fn = std::move(fn)] {
    if (!alive.expired()) fn();
  });
}

void Agent::Binding::set(State s, const std::string& text) {
  const bool changed = s != status_.state || text != last_text_;
  status_.state = s;
  last_text_ = text;
  status_.reason = s == State::Failed || s == State::Disabled ? text : std::string();
  if (!changed) return;
  if (svc_.save) svc_.save(status_, fingerprint_);
  log(s == State::Failed || s == State::Disabled ? LogLevel::Warn : LogLevel::Info, kModule,
      "provider " + provider_.name + " (id " + std::to_string(provider_.id) +
          "): " + std::string(state_name(s)) + (text.empty() ? "" : ": " + text));
  if (svc_.on_event)
    svc_.on_event(Event{provider_.id, provider_.name, s, text, provider_.owner_id});
}

Status Agent::Binding::status() const {
  return status_;
}

std::optional<transport::Origin> Agent::Binding::flow() const {
  if (!session_ || status_.state != State::Registered || session_->origin().flow == 0)
    return std::nullopt;
  return session_->origin();
}

void Agent::Binding::schedule(Duration after) {
  if (timer_ != 0) svc_.timers->cancel(timer_);
  status_.next_attempt = now_s() + std::chrono::duration_cast<std::chrono::seconds>(after).count();
  std::weak_ptr<int> alive = alive_;
  timer_ = svc_.timers->start(after, [this, alive] {
    if (alive.expired()) return;
    timer_ = 0;
    attempt();
  });
}

void Agent::Binding::start(Duration after) {
  schedule(after);
  set(State::Registering,
      "first attempt in " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(after).count()) +
          " ms");
}

void Agent::Binding::wait(const std::string& why) {
  if (timer_ != 0) svc_.timers->cancel(timer_);
  timer_ = 0;
  status_.next_attempt = 0;
  set(State::Registering, why);
}

void Agent::Binding::disable(const std::string& reason) {
  if (timer_ != 0) svc_.timers->cancel(timer_);
  timer_ = 0;
  status_.next_attempt = 0;
  status_.registered_until = 0;
  set(State::Disabled, reason);
}

void Agent::Binding::attempt() {
  if (done_ || !plan_) return;
  const TimePoint now = svc_.timers->clock().now();
  if (last_attempt_ && now - *last_attempt_ < config_.retry.min_gap) {
    const auto wait = config_.retry.min_gap - (now - *last_attempt_);
    log(LogLevel::Info, kModule,
        "provider " + provider_.name + ": attempts too frequent, delaying " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) +
            " ms");
    return schedule(std::chrono::duration_cast<Duration>(wait));
  }
  last_attempt_ = now;
  last_status_ = 0;  // a 403 of an earlier attempt must not disable this one
  ++status_.attempts;
  status_.next_attempt = 0;
  session_.reset();
  if (status_.state != State::Registered) set(State::Registering, {});
  const ua::TargetSpec& r = plan_->next_hop;
  auto query = dns::make_query(r.host, r.port, r.kind, r.sips);
  if (!query) return disable("register server: " + std::string(query.error().detail));
  if (auto t = dns::numeric_target(*query)) return start_session({destination_of(*t)});
  if (svc_.resolver == nullptr) return failed("DNS: no resolver");
  std::weak_ptr<int> alive = alive_;
  svc_.resolver->resolve(
      std::move(query).value(), [this, alive](Result<std::vector<dns::Target>> targets) {
        if (alive.expired() || done_) return;
        if (!targets || targets->empty()) {
          const std::string why =
              targets ? std::string("no usable target")
                      : std::string(dns::failure_name(dns::failure_of(targets.error())));
          return failed("DNS: " + plan_->next_hop.host + ": " + why);
        }
        std::vector<transport::Destination> out;
        for (const auto& t : *targets) out.push_back(destination_of(t));
        start_session(std::move(out));
      });
}

void Agent::Binding::start_session(std::vector<transport::Destination> targets) {
  ua::RegistrationConfig c = plan_->config;
  c.targets = std::move(targets);
  c.user_agent = config_.user_agent;
  session_ = std::make_unique<ua::RegistrationSession>(*svc_.layer, *svc_.sender, *svc_.timers,
                                                       std::move(c), *this);
  session_->start_register(true);
}

void Agent::Binding::failed(const std::string& reason) {
  if (last_status_ == 403 || last_status_ == 404) {
    return disable(reason + " (registration disabled until the provider is changed)");
  }
  ++status_.failures;
  status_.registered_until = 0;
  const auto delay = retry_delay(config_.retry, status_.failures, random_unit());
  schedule(std::chrono::duration_cast<Duration>(delay));
  set(State::Failed, reason);
}

void Agent::Binding::on_state(ua::RegState state, ua::RegFailure, const std::string& detail) {
  switch (state) {
    case ua::RegState::Registered: {
      if (done_) return;
      status_.expires = session_ ? session_->granted_expires() : 0;
      status_.registered_until = now_s() + status_.expires;
      status_.failures = 0;
      status_.reason.clear();
      status_.state = State::Registering;  // so that set() reports every grant
      set(State::Registered, "for " + std::to_string(status_.expires) + " s");
      return;
    }
    case ua::RegState::Refreshing: ++status_.refreshes; return;
    case ua::RegState::Unregistered:
      status_.registered_until = 0;
      if (done_) later([this] { std::exchange(done_, {})(); });
      return;
    case ua::RegState::Failed:
      // Stops the session's own retry (the agent owns the retry policy);
      // the session is replaced by the next attempt, never destroyed here.
      if (session_) session_->stop();
      if (done_) {
        later([this] { std::exchange(done_, {})(); });
        return;
      }
      failed(detail);
      return;
    case ua::RegState::Idle:
    case ua::RegState::Registering:
    case ua::RegState::Querying:
    case ua::RegState::Unregistering: return;
  }
}

void Agent::Binding::on_response(const msg::Message& response, double) {
  last_status_ = response.status();
  if ((last_status_ == 401 || last_status_ == 407) && !done_ && status_.state != State::Registered)
    set(State::Authenticating, {});
}

void Agent::Binding::on_request(const std::string&, const transport::Destination& to) {
  status_.target = std::string(transport::kind_name(to.kind)) + " " + to.address.to_string();
}

void Agent::Binding::on_failover(const transport::Destination& failed,
                                 const transport::Destination& next, const std::string& why) {
  log(LogLevel::Info, kModule,
      "provider " + provider_.name + ": " + failed.address.to_string() + " failed (" + why +
          "), trying " + next.address.to_string());
}

void Agent::Binding::leave(std::function<void()> done) {
  done_ = std::move(done);
  if (timer_ != 0) svc_.timers->cancel(timer_);
  timer_ = 0;
  status_.next_attempt = 0;
  if (session_ && status_.state == State::Registered && status_.registered_until > now_s()) {
    set(State::Unregistering, {});
    session_->unregister();
    return;
  }
  session_.reset();
  later([this] {
    if (done_) std::exchange(done_, {})();
  });
}

}  // namespace sip::provreg
