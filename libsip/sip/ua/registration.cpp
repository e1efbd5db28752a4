#include "sip/ua/registration.hpp"

#include <algorithm>

#include "sip/base/ci.hpp"
#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/message/builder.hpp"

namespace sip::ua {

std::string_view reg_state_name(RegState s) noexcept {
  switch (s) {
    case RegState::Idle: return "idle";
    case RegState::Registering: return "registering";
    case RegState::Registered: return "registered";
    case RegState::Refreshing: return "refreshing";
    case RegState::Querying: return "querying";
    case RegState::Unregistering: return "unregistering";
    case RegState::Unregistered: return "unregistered";
    case RegState::Failed: return "failed";
  }
  return "?";
}

std::string_view reg_failure_name(RegFailure f) noexcept {
  switch (f) {
    case RegFailure::None: return "";
    case RegFailure::Rejected: return "rejected";
    case RegFailure::AuthFailed: return "auth_failed";
    case RegFailure::Timeout: return "timeout";
    case RegFailure::Network: return "network";
    case RegFailure::Local: return "local";
  }
  return "?";
}

namespace {

constexpr Duration kRetryAfterFailure = std::chrono::seconds(30);

std::string user_of(std::string_view aor) {
  auto u = uri::parse_uri(aor);
  return u ? std::string(u->user) : std::string();
}

// Seconds until a refresh: ~90% of the grant, at least 5 s before expiry.
std::uint32_t refresh_after(std::uint32_t granted) {
  if (granted <= 10) return std::max<std::uint32_t>(1, granted / 2);
  return granted - std::max<std::uint32_t>(5, granted / 10);
}

}  // namespace

RegistrationSession::RegistrationSession(txn::TransactionLayer& layer, transport::Sender& sender,
                                         TimerService& timers, RegistrationConfig config,
                                         RegistrationListener& listener)
    : layer_(layer),
      sender_(sender),
      timers_(timers),
      config_(std::move(config)),
      listener_(listener),
      expires_(config_.expires),
      call_id_(make_call_id()),
      from_tag_(make_tag()),
      contact_(config_.contact) {}

RegistrationSession::~RegistrationSession() {
  stop();
}

void RegistrationSession::stop() {
  ++generation_;
  if (refresh_timer_) timers_.cancel(refresh_timer_);
  refresh_timer_ = 0;
  if (pending_) layer_.abandon(*pending_);
  pending_.reset();
  keep_ = false;
}

void RegistrationSession::set_state(RegState s, RegFailure f, const std::string& detail) {
  state_ = s;
  listener_.on_state(s, f, detail);
}

void RegistrationSession::start_register(bool keep) {
  keep_ = keep;
  begin(Op::Register);
}
void RegistrationSession::unregister() {
  keep_ = false;
  begin(Op::Unregister);
}
void RegistrationSession::unregister_all() {
  keep_ = false;
  begin(Op::UnregisterAll);
}
void RegistrationSession::query() {
  begin(Op::Query);
}

void RegistrationSession::begin(Op op) {
  ++generation_;
  if (refresh_timer_) timers_.cancel(refresh_timer_);
  refresh_timer_ = 0;
  if (pending_) layer_.abandon(*pending_);
  pending_.reset();
  op_ = op;
  auth_.reset();
  interval_retries_ = 0;
  switch (op) {
    case Op::Register: set_state(RegState::Registering); break;
    case Op::Refresh: set_state(RegState::Refreshing); break;
    case Op::Query: set_state(RegState::Querying); break;
    case Op::Unregister:
    case Op::UnregisterAll: set_state(RegState::Unregistering); break;
  }
  if (config_.targets.empty()) return on_failed(RegFailure::Local, "no target to send to", false);
  open_and_send();
}

void RegistrationSession::open_and_send() {
  transport::Destination to = config_.targets[target_];
  std::weak_ptr<int> alive = alive_;
  sender_.open_flow(to, [this, alive, generation = generation_](Result<transport::Origin> r) {
    if (alive.expired() || generation != generation_) return;
    if (!r) return on_failed(RegFailure::Network, r.error().detail, true);
    origin_ = *r;
    auto req = build_request(origin_);
    if (!req) return on_failed(RegFailure::Local, req.error().to_string(), false);
    send(std::move(req).value());
  });
}

Result<msg::Message> RegistrationSession::build_request(const transport::Origin& o) {
  // Port 0: unknown (a dry run over TCP/TLS opens no connection).
  std::string local = o.local.host_string();
  if (o.local.port != 0) local += ":" + std::to_string(o.local.port);
  if (contact_.empty()) {
    const std::string user = user_of(config_.aor);
    contact_ = "sip:" + (user.empty() ? local : user + "@" + local);
    if (o.kind != transport::Kind::Udp)
      contact_ += ";transport=" + to_lower(transport::kind_name(o.kind));
  }
  auto b = msg::MessageBuilder::request("REGISTER", config_.registrar_uri);
  b.header("Via", "SIP/2.0/" + std::string(transport::kind_name(o.kind)) + " " + local +
                      ";rport;branch=" + make_branch());
  b.header("Max-Forwards", "70");
  for (const std::string& r : config_.route) b.header("Route", r);
  b.header("From", "<" + config_.aor + ">;tag=" + from_tag_);
  b.header("To", "<" + config_.aor + ">");
  b.header("Call-ID", call_id_);
  b.header("CSeq", std::to_string(++cseq_) + " REGISTER");
  switch (op_) {
    case Op::Register:
    case Op::Refresh:
      b.header("Contact", "<" + contact_ + ">" + config_.contact_params);
      b.header("Expires", std::to_string(expires_));
      break;
    case Op::Unregister:
      b.header("Contact", "<" + contact_ + ">" + config_.contact_params + ";expires=0");
      b.header("Expires", "0");
      break;
    case Op::UnregisterAll:
      b.header("Contact", "*");
      b.header("Expires", "0");
      break;
    case Op::Query: break;
  }
  if (!config_.user_agent.empty()) b.header("User-Agent", config_.user_agent);
  return b.build();
}

void RegistrationSession::render(Preview op, std::function<void(Result<std::string>)> done) {
  if (config_.targets.empty()) return done(make_error(Errc::bad_config, 0, "no target"));
  switch (op) {
    case Preview::Register: op_ = Op::Register; break;
    case Preview::Unregister: op_ = Op::Unregister; break;
    case Preview::UnregisterAll: op_ = Op::UnregisterAll; break;
    case Preview::Query: op_ = Op::Query; break;
  }
  // A UDP socket towards the target tells the local address without sending.
  transport::Destination probe = config_.targets[target_];
  const transport::Kind kind = probe.kind;
  probe.kind = transport::Kind::Udp;
  probe.flow = 0;
  std::weak_ptr<int> alive = alive_;
  sender_.open_flow(probe,
                    [this, alive, kind, done = std::move(done)](Result<transport::Origin> r) {
                      if (alive.expired()) return;
                      if (!r) return done(r.error());
                      transport::Origin o = *r;
                      if (o.kind != kind) {
                        o.kind = kind;
                        o.local.port = 0;
                      }
                      auto req = build_request(o);
                      if (!req) return done(req.error());
                      done(std::string(req->bytes()));
                    });
}

void RegistrationSession::send(msg::Message request) {
  transport::Destination to = config_.targets[target_];
  to.flow = origin_.flow;
  if (auto c = request.cseq()) cseq_ = c->number;
  last_request_ = request.clone();
  sent_at_ = timers_.clock().now();
  listener_.on_request(std::string(request.bytes()), to);
  std::weak_ptr<int> alive = alive_;
  txn::ClientEvents ev;
  ev.on_response = [this, alive](const msg::Message& resp) {
    if (alive.expired()) return;
    if (resp.status() < 200) {
      listener_.on_response(
          resp,
          std::chrono::duration<double, std::milli>(timers_.clock().now() - sent_at_).count());
      return;
    }
    pending_.reset();
    on_final(resp);
  };
  ev.on_timeout = [this, alive] {
    if (alive.expired()) return;
    pending_.reset();
    on_failed(RegFailure::Timeout, "no final response (Timer F)", true);
  };
  ev.on_transport_error = [this, alive](const Error& e) {
    if (alive.expired()) return;
    pending_.reset();
    on_failed(RegFailure::Network, e.detail, true);
  };
  auto id = layer_.send_request(std::move(request), to, std::move(ev));
  if (!id) return on_failed(RegFailure::Local, id.error().to_string(), false);
  // Events may already have run (a synchronous send failure).
  if (layer_.state(*id) != txn::TxnState::Terminated) pending_ = *id;
}

std::vector<Binding> RegistrationSession::bindings_of(const msg::Message& response) const {
  std::vector<Binding> out;
  const auto header_expires = response.expires();
  auto ours = uri::parse_uri(contact_);
  response.for_each(msg::HeaderId::Contact, [&](const msg::HeaderField& f) {
    auto c = response.contact_at(f);
    if (!c || c->star) return;
    Binding b;
    b.contact = std::string(c->addr.uri.text);
    b.expires = c->expires().value_or(header_expires ? *header_expires : 0);
    b.ours = ours && uri::uri_equal(*ours, c->addr.uri);
    out.push_back(std::move(b));
  });
  return out;
}

void RegistrationSession::on_final(const msg::Message& resp) {
  listener_.on_response(
      resp, std::chrono::duration<double, std::milli>(timers_.clock().now() - sent_at_).count());
  const int status = resp.status();
  if (status == 401 || status == 407) {
    if (!config_.credentials)
      return on_failed(RegFailure::AuthFailed, "challenged, but no credentials given", false);
    auto retry = auth_.retry(*last_request_, resp, *config_.credentials);
    if (!retry)
      return on_failed(RegFailure::AuthFailed, std::string(auth_failure_name(auth_.failure())),
                       false);
    return send(std::move(retry).value());
  }
  if (status == 423) {
    const auto min =
        resp.first(msg::HeaderId::MinExpires)
            ? msg::parse_delta_seconds(resp.text(resp.first(msg::HeaderId::MinExpires)->value))
            : Result<std::uint32_t>(make_error(Errc::not_found, 0, "no Min-Expires"));
    if (!min || ++interval_retries_ > config_.max_interval_retries)
      return on_failed(RegFailure::Rejected, "423 Interval Too Brief", false);
    expires_ = std::max(expires_, *min);
    auth_.reset();
    return open_and_send();
  }
  if (status == 503) return on_failed(RegFailure::Rejected, "503 Service Unavailable", true);
  if (status >= 300)
    return on_failed(RegFailure::Rejected,
                     std::to_string(status) + " " + std::string(resp.reason()), false);
  auth_.reset();
  const std::vector<Binding> bindings = bindings_of(resp);
  listener_.on_bindings(bindings);
  switch (op_) {
    case Op::Register:
    case Op::Refresh: {
      auto it =
          std::find_if(bindings.begin(), bindings.end(), [](const Binding& b) { return b.ours; });
      if (it != bindings.end()) {
        granted_ = it->expires;
      } else {
        const auto e = resp.expires();
        granted_ = e ? *e : expires_;
      }
      if (granted_ == 0)
        return on_failed(RegFailure::Rejected, "the registrar did not keep the contact", false);
      set_state(RegState::Registered);
      if (keep_) schedule_refresh();
      break;
    }
    case Op::Unregister:
    case Op::UnregisterAll:
      granted_ = 0;
      set_state(RegState::Unregistered);
      break;
    case Op::Query: set_state(granted_ ? RegState::Registered : RegState::Idle); break;
  }
}

void RegistrationSession::schedule_refresh() {
  std::weak_ptr<int> alive = alive_;
  refresh_timer_ = timers_.start(std::chrono::seconds(refresh_after(granted_)), [this, alive] {
    if (alive.expired()) return;
    refresh_timer_ = 0;
    begin(Op::Refresh);
  });
}

void RegistrationSession::on_failed(RegFailure f, const std::string& detail, bool try_next_target) {
  if (try_next_target && target_ + 1 < config_.targets.size()) {
    ++target_;
    log(LogLevel::Info, "registration", "trying the next target after: " + detail);
    listener_.on_failover(config_.targets[target_ - 1], config_.targets[target_], detail);
    auth_.reset();
    return open_and_send();
  }
  set_state(RegState::Failed, f, detail);
  if (keep_) {
    // Keep trying in the background: from the first target again.
    std::weak_ptr<int> alive = alive_;
    refresh_timer_ = timers_.start(kRetryAfterFailure, [this, alive] {
      if (alive.expired()) return;
      refresh_timer_ = 0;
      target_ = 0;
      begin(op_ == Op::Refresh ? Op::Refresh : Op::Register);
    });
  }
}

}  // namespace sip::ua
