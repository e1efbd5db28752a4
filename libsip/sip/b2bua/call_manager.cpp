// Intake of new INVITEs (classification, authentication, the start of the
// caller's dial plan execution) and the end of a call.
#include "sip/b2bua/call_manager.hpp"

#include <algorithm>
#include <utility>
#include <variant>

#include "sip/b2bua/call_impl.hpp"
#include "sip/b2bua/events.hpp"
#include "sip/base/ci.hpp"
#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/dialplan/dialstring_plan.hpp"
#include "sip/dialplan/outcome.hpp"
#include "sip/message/builder.hpp"
#include "sip/registrar/registrar.hpp"
#include "sip/uri/escape.hpp"
#include "sip/uri/uri.hpp"

namespace sip::b2bua {
namespace {

constexpr const char* kLog = "b2bua";

std::string str(std::string_view v) {
  return std::string(v);
}

}  // namespace

std::string dialog_key(std::string_view call_id, std::string_view tag) {
  std::string k;
  k.reserve(call_id.size() + tag.size() + 1);
  k.append(call_id).push_back('\n');
  k.append(tag);
  return k;
}

CallManager::Impl::Impl(Services s, Config c)
    : svc(std::move(s)),
      config(std::move(c)),
      limiter(config.max_executions),
      fraud(config.fraud),
      limiter_out(config.limits) {
  dummy_ha1[0] = random_token(32);
  dummy_ha1[1] = random_token(64);
}

std::unique_ptr<dialer::DirectoryHost> CallManager::Impl::make_lookups(
    directory::SnapshotPtr snapshot) {
  return std::make_unique<dialer::DirectoryHost>(
      std::move(snapshot), [this](store::Id account) { return svc.registrar->bindings(account); },
      [this](store::Id account) {
        std::vector<routing::BindingTarget> out;
        for (auto& t : svc.registrar->call_targets(account)) {
          routing::BindingTarget b;
          b.contact_uri = t.binding.contact_uri;
          b.destination = t.destination;
          b.local = t.binding.local;
          out.push_back(std::move(b));
        }
        return out;
      },
      [this](store::Id owner) {
        const auto it = calls_per_owner.find(owner);
        return it == calls_per_owner.end() ? std::size_t{0} : it->second;
      });
}

CallManager::Impl::~Impl() = default;

CallManager::CallManager(Services services, Config config)
    : impl_(std::make_unique<Impl>(std::move(services), std::move(config))) {}
CallManager::~CallManager() = default;

void CallManager::reconfigure(Config config) {
  impl_->limiter.set_global_max(config.max_executions);
  impl_->fraud.reconfigure(config.fraud);
  impl_->limiter_out.reconfigure(config.limits);
  impl_->config = std::move(config);
}
void CallManager::on_invite(txn::ServerTransaction txn, transport::Inbound&& in) {
  impl_->on_invite(std::move(txn), std::move(in));
}
void CallManager::on_in_dialog(txn::ServerTransaction txn, transport::Inbound&& in) {
  impl_->on_in_dialog(std::move(txn), std::move(in));
}
void CallManager::on_ack(transport::Inbound&& in) {
  impl_->on_ack(std::move(in));
}
void CallManager::on_stray_response(transport::Inbound&& in) {
  impl_->on_stray_response(std::move(in));
}
void CallManager::on_cancel(txn::ServerId invite) {
  Call* call = impl_->find_call_by_uas(invite);
  if (call == nullptr || call->state != CallState::Routing) return;
  ++impl_->stats.cancelled;
  call->cdr.answer_status = 487;
  call->cdr.answer_reason = "Request Terminated";
  // The layer answers the INVITE 487 when this returns.
  call->uas = txn::ServerId{};
  impl_->stop_routing(*call, "caller cancelled");
  impl_->end_call(*call, "caller cancelled");
}
void CallManager::on_server_failed(txn::ServerId id, txn::ServerFailure /*why*/) {
  if (Call* call = impl_->find_call_by_uas(id)) {
    call->uas = txn::ServerId{};
    if (call->state == CallState::Routing) impl_->stop_routing(*call, "caller unreachable");
    impl_->end_call(*call, "caller unreachable");
  }
}
void CallManager::shutdown() {
  std::vector<CallId> ids;
  for (const auto& [id, c] : impl_->calls) ids.push_back(id);
  for (CallId id : ids) {
    Call* call = impl_->find_call(id);
    if (call != nullptr)
      impl_->end_by_service(*call, 503, "Server shutting down", "server shutting down");
  }
}
std::vector<CallInfo> CallManager::calls(store::Id owner) const {
  std::vector<CallInfo> out;
  for (const auto& [id, c] : impl_->calls) {
    const Call& call = *c;
    if (call.state == CallState::Ended || (owner != 0 && call.owner != owner)) continue;
    CallInfo i;
    i.id = call.id;
    i.owner = call.owner;
    i.owner_name = call.owner_name;
    i.account = call.cdr.account;
    i.direction = call.direction == dialplan::Direction::In ? "in" : "out";
    i.state = call.state == CallState::Routing    ? "routing"
              : call.state == CallState::Answered ? "answered"
                                                  : "confirmed";
    i.dialplan = call.dialplan;
    i.call_id = call.a.call_id;
    i.from = call.cdr.from_header;
    i.request_uri = call.cdr.dst_uri;
    for (const auto& leg : call.legs)
      if (leg->id == call.winner) i.answered_by = leg->target.request_uri;
    i.bridge_id = call.cdr.bridge_id;
    i.created = call.cdr.created;
    i.answered_at = call.cdr.answered_at;
    i.legs = call.legs.size();
    out.push_back(std::move(i));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

bool CallManager::hang_up(std::uint64_t id, store::Id owner, std::string_view why) {
  Call* call = impl_->find_call(id);
  if (call == nullptr || call->state == CallState::Ended || (owner != 0 && call->owner != owner))
    return false;
  impl_->end_by_service(*call, 480, "Call ended by the service", why);
  return true;
}

void CallManager::Impl::end_by_service(Call& call, int status, std::string_view reason,
                                       std::string_view why) {
  if (call.state == CallState::Routing) {
    stop_routing(call, why);
    respond_caller(call, status, reason);
  }
  end_call(call, why);
}

const Stats& CallManager::stats() const noexcept {
  impl_->stats.active = impl_->calls.size();
  return impl_->stats;
}
std::size_t CallManager::running_executions() const noexcept {
  return impl_->limiter.running();
}

Call* CallManager::Impl::find_call(CallId id) {
  const auto it = calls.find(id);
  return it == calls.end() ? nullptr : it->second.get();
}

Call* CallManager::Impl::find_call_by_uas(txn::ServerId id) {
  const auto it = by_uas.find(static_cast<std::uint64_t>(id));
  return it == by_uas.end() ? nullptr : find_call(it->second);
}

void CallManager::Impl::respond_caller(Call& call, int status, std::string_view reason,
                                       const std::vector<std::string>& headers) {
  if (call.uas == txn::ServerId{} || !call.invite) return;
  auto b = msg::make_response(*call.invite, status, reason, call.to_tag);
  for (const auto& h : headers) {
    const auto colon = h.find(':');
    if (colon == std::string::npos) continue;
    std::string_view value(h);
    value.remove_prefix(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    b.header(std::string_view(h).substr(0, colon), value);
  }
  b.header("Server", config.server_name);
  auto built = b.build();
  Result<void> sent = built ? svc.layer->respond(call.uas, std::move(*built))
                            : svc.layer->respond(call.uas, status, reason);
  if (!sent) log(LogLevel::Debug, kLog, "response to caller not sent");
  if (status >= 200) {
    by_uas.erase(static_cast<std::uint64_t>(call.uas));
    call.uas = txn::ServerId{};
    call.cdr.answer_status = status;
    call.cdr.answer_reason = str(reason);
  }
}

void CallManager::Impl::reject_invite(txn::ServerTransaction& txn, const msg::Message& m,
                                      int status, std::string_view reason) {
  ++stats.rejected;
  auto b = msg::make_response(m, status, reason, make_tag());
  b.header("Server", config.server_name);
  if (auto r = b.build()) {
    (void)txn.respond(std::move(*r));
  } else {
    (void)txn.respond(status, reason);
  }
}

void CallManager::Impl::on_invite(txn::ServerTransaction txn, transport::Inbound&& in) {
  ++stats.invites;
  const msg::Message& m = in.message;
  auto reject = [&](int status, std::string_view reason) { reject_invite(txn, m, status, reason); };
  if (calls.size() >= config.max_calls) return reject(503, "Too many calls");
  const auto from = m.from();
  const auto ruri = m.request_uri();
  if (!from || !ruri) return reject(400, "Bad From or Request-URI");
  // RFC 3891: the caller takes the place of a party of a bridged call.
  const bool replacing = !m.value(msg::HeaderId::Replaces).empty();

  // One Directory version for the whole call (Call::lookups).
  directory::SnapshotPtr dir = svc.directory->snapshot();
  const store::SipAccount* account = nullptr;
  dialplan::Direction direction = dialplan::Direction::In;
  std::string plan_name;
  const auto from_domain =
      from->uri.is_sip() ? dir->canonical_domain(from->uri.host) : std::nullopt;
  if (from_domain) {
    direction = dialplan::Direction::Out;
    const std::string realm(*from_domain);
    account = dir->find(uri::unescape(from->uri.user), realm);
    // An unknown caller is challenged like a known one and its answer
    // fails against a dummy secret at the same cost: scanning for accounts
    // learns nothing (docs/security.md).
    store::SipAccount unknown;
    if (account == nullptr) unknown.username = uri::unescape(from->uri.user);
    switch (authenticate(in, account != nullptr ? *account : unknown, realm)) {
      case AuthResult::Ok:
        if (account == nullptr) return reject(403, "Forbidden");  // not reached: no secret
        break;
      case AuthResult::Challenge: return challenge(txn, m, realm, false);
      case AuthResult::Stale: return challenge(txn, m, realm, true);
      case AuthResult::Fail:
        ++stats.auth_failures;
        note_auth_failure(in.origin.remote.ip_string());
        return reject(403, "Forbidden");
    }
    if (account->disabled) return reject(403, "SIP account disabled");
    if (replacing) return on_replacing_invite(txn, in, account->owner_id, account);
    if (account->incoming_only) return reject(403, "SIP account is incoming only");
    if (account->out_dialplan.empty()) return reject(480, "SIP account missing dialplan setting");
    plan_name = account->out_dialplan;
  } else {
    if (replacing) return on_replacing_invite(txn, in, 0, nullptr);
    const auto domain = ruri->is_sip() ? dir->canonical_domain(ruri->host) : std::nullopt;
    if (!domain) return reject(404, "Domain not serviced");
    if (ruri->user.empty()) return reject(484, "No user specified");
    account = dir->find_with_fallback(uri::unescape(ruri->user), *domain);
    if (account == nullptr) {
      // Answered as an account nobody can reach is (100, then 480):
      // calling around for extensions learns nothing (docs/security.md).
      (void)txn.respond(100, "Trying");
      return reject(480, "Temporarily Unavailable");
    }
    if (account->disabled) return reject(480, "Temporarily Unavailable");
    plan_name = account->in_dialplan;
  }

  const store::Customer* customer = dir->customer(account->owner_id);
  if (customer == nullptr || customer->disabled) return reject(604, "Does Not Exist Anywhere");

  // The plan: a stored one, or (In without a plan) ring every binding.
  std::shared_ptr<const dialplan::CompiledPlan> plan;
  dialplan::Diagnostic diag;
  if (plan_name.empty()) {
    // Cached per account under a negative id (stored plans have positive ids).
    CachedPlan& cached = plan_cache[-account->id];
    if (!cached.plan) {
      dialplan::DialStringCompiler c;
      cached.plan =
          c.compile("default", "<sip:" + account->username + "@" + account->domain + ">").plan;
    }
    plan = cached.plan;
    if (!plan) return reject(500, "Cannot build the default dial plan");
  } else {
    const store::DialPlan* stored = dir->find_dialplan(account->owner_id, plan_name);
    if (stored == nullptr) return reject(500, "Could not load dialplan " + plan_name);
    plan = plan_for(*stored, &diag);
  }

  // Outgoing calls cost money: held to the call limits (counted from here
  // until erase_call).
  if (direction == dialplan::Direction::Out) {
    std::string why;
    if (const int status = admit_outgoing(account->id, account->username + "@" + account->domain,
                                          account->owner_id, customer->username, &why);
        status != 0)
      return reject(status, why);
  }
  auto owned = std::make_unique<Call>();
  Call& call = *owned;
  call.id = next_call++;
  call.limited = direction == dialplan::Direction::Out;
  call.limited_account = account->id;
  call.lookups = make_lookups(std::move(dir));
  call.owner = account->owner_id;
  call.owner_name = customer->username;
  call.account_id = account->id;
  if (direction == dialplan::Direction::Out) call.network_id = account->network_id;
  call.dialplan = plan_name;
  call.direction = direction;
  call.to_tag = make_tag();
  call.origin = in.origin;
  call.cdr = new_cdr(call.owner, "in");
  call.cdr.account = account->username + "@" + account->domain;
  call.cdr.dialplan = plan_name;
  call.cdr.dst_user = str(ruri->user);
  call.cdr.dst_host = str(ruri->host);
  call.cdr.dst_uri = str(m.request_uri_text());
  call.cdr.from_user = str(from->uri.user);
  call.cdr.from_name = str(from->display);
  call.cdr.from_header = str(m.value(msg::HeaderId::From));
  call.cdr.call_id = str(m.call_id());
  call.cdr.local_socket = socket_text(in.origin.kind, in.origin.local.to_string());
  call.cdr.remote_socket = socket_text(in.origin.kind, in.origin.remote.to_string());
  call.cdr.bridge_id = random_token(32);
  call.a = caller_side(m, in.origin, call.to_tag);
  call.a.cdr_id = call.cdr.id;
  // The calling account's dont_mangle keeps its SDP as it is.
  call.a.mangle = !(direction == dialplan::Direction::Out && account->dont_mangle);
  // Dial string plans read nothing of the context but its limits: skip
  // copying the request for them (the hot path of plain calls).
  dialplan::CallContext ctx;
  if (plan && plan->type() != dialplan::PlanType::DialString) {
    ctx = make_context(call, m, *account);
  } else {
    ctx.direction = direction;
    ctx.owner = call.owner_name;
    ctx.dialplan_name = plan_name;
    ctx.clock = svc.wall;
    ctx.host = call.lookups.get();
  }
  routing::ResolveInput base = resolve_base(m, call.owner);
  base.account_user = account->username;
  base.account_host = account->domain;
  call.uas = txn.release();
  by_uas[static_cast<std::uint64_t>(call.uas)] = call.id;
  call.invite = std::move(in.message);
  ++calls_per_owner[call.owner];
  calls.emplace(call.id, std::move(owned));
  write_cdr(call.cdr);
  event(call, CallEvent::Kind::Created, 0, {});
  (void)svc.layer->respond(call.uas, 100, "Trying");

  if (!plan) {
    const dialplan::Done done = dialplan::syntax_error_done(diag);
    PlanRun top;
    top.owner = call.owner;
    top.owner_name = call.owner_name;
    top.dialplan = plan_name;
    call.plans.push_back(std::move(top));
    return finish_plan(call.id, 0, done, dialer::caller_response(done));
  }
  // Script executions (Lua, wizard) are capped per customer and server-wide
  // (5 per customer by default, 50 server-wide); a dial string plan or the built-in "ring the
  // bindings" runs no script and takes no slot. A refused call still leaves its CDR.
  if (plan->type() != dialplan::PlanType::DialString) {
    auto ticket = limiter.acquire(customer->username,
                                  static_cast<std::size_t>(std::max(1, customer->max_executions)));
    if (auto* refused = std::get_if<dialplan::Done>(&ticket)) {
      ++stats.rejected;
      respond_caller(call, refused->status, refused->reason);
      return end_call(call, "dial plan execution limit");
    }
    call.ticket = std::move(std::get<dialplan::ExecutionLimiter::Ticket>(ticket));
  }
  PlanRun top;
  top.owner = call.owner;
  top.owner_name = call.owner_name;
  top.dialplan = plan_name;
  call.plans.push_back(std::move(top));
  start_plan(call, 0, std::move(plan), std::move(ctx), std::move(base));
}

void CallManager::Impl::stop_routing(Call& call, std::string_view why) {
  const CallId id = call.id;
  for (std::size_t i = 0; i < call.plans.size(); ++i) {
    Call* c = find_call(id);
    if (c == nullptr) return;
    PlanRun& p = c->plans[i];
    if (p.finished || !p.runner) continue;
    p.finished = true;
    p.runner->cancel(why);
  }
  Call* c = find_call(id);
  if (c == nullptr) return;
  for (auto& leg : c->legs) stop_leg(*leg, why);
}

void CallManager::Impl::end_call(Call& call, std::string_view reason) {
  if (call.state == CallState::Ended) return;
  if (call.callback && call.state == CallState::Routing && !call.a.call_id.empty() &&
      !call.a.hung_up) {
    // A callback's first destination answered and still waits for our ACK.
    send_ack(call.a, call.callback_first_cseq, {}, {});
    send_bye(call.a);
  }
  if (call.replacing) {
    // An INVITE with Replaces waited for this call.
    (void)svc.layer->respond(call.replacing->uas, 481, "Call/Transaction Does Not Exist");
    call.replacing.reset();
  }
  const bool was_bridged = call.state != CallState::Routing;
  call.state = CallState::Ended;
  for (TimerId* t : {&call.ok_timer, &call.duration_timer})
    if (*t != 0) {
      svc.timers->cancel(*t);
      *t = 0;
    }
  if (was_bridged) {
    if (!call.a.hung_up) send_bye(call.a);
    if (!call.b.hung_up) send_bye(call.b);
  }
  const std::int64_t now = now_ms();
  std::vector<store::Cdr> final;
  for (auto& leg : call.legs) {
    if (leg->cdr.hungup_at != 0 || leg->cdr.id.empty()) continue;
    leg->cdr.hungup_at = now;
    if (leg->cdr.hangup_reason.empty()) leg->cdr.hangup_reason = str(reason);
    final.push_back(finished_cdr(leg->cdr));
  }
  for (auto& r : call.adopted) {
    if (r.hungup_at != 0) continue;
    r.hungup_at = now;
    if (r.hangup_reason.empty()) r.hangup_reason = str(reason);
    final.push_back(finished_cdr(r));
  }
  // The caller's record is final already when the caller was transferred
  // away, and gone when it was joined into another call.
  if (call.cdr.hungup_at == 0 && !call.cdr.id.empty()) {
    call.cdr.hungup_at = now;
    if (call.cdr.hangup_reason.empty()) call.cdr.hangup_reason = str(reason);
    final.push_back(finished_cdr(call.cdr));
  }
  if (config.cdrs && svc.cdrs != nullptr) svc.cdrs->write_batch(std::move(final));
  event(call, CallEvent::Kind::HungUp, call.cdr.answer_status, reason);
  for (auto& p : call.plans)
    if (!p.finished && p.runner) {
      p.finished = true;
      p.runner->cancel(reason);
    }
  erase_call(call.id);
}

void CallManager::Impl::erase_call(CallId id) {
  const auto it = calls.find(id);
  if (it == calls.end()) return;
  Call& call = *it->second;
  unindex_dialogs(call);
  for (const auto& key : call.retired) retired.erase(key);
  for (auto& leg : call.legs) leg_index.erase(dialog_key(leg->call_id, leg->from_tag));
  if (call.uas != txn::ServerId{}) by_uas.erase(static_cast<std::uint64_t>(call.uas));
  if (auto o = calls_per_owner.find(call.owner); o != calls_per_owner.end() && --o->second == 0)
    calls_per_owner.erase(o);
  if (call.limited) limiter_out.ended(call.limited_account, call.owner);
  calls.erase(it);
}

}  // namespace sip::b2bua
