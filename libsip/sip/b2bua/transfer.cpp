// Blind transfers consumed by the server (docs/transfers.md): a REFER on a
// bridged call whose answering leg's dial string says tr=c, or the
// operator's call.blindtransfer. The transferee stays; the owner's dial plan
// named "transfer" runs with req.URI = the target (its Dials are guarded by
// the fraud guard) and its legs offer the transferee's last session; when a
// leg answers, the transferee is re-INVITEd with the new party's session,
// the referrer is told (NOTIFY 200) and hung up, and the call goes on
// between the transferee and the new party. When the plan fails, the call
// stays as it was and the referrer is told the failure.
#include <utility>

#include "sip/b2bua/call_impl.hpp"
#include "sip/b2bua/events.hpp"
#include "sip/base/ci.hpp"
#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/message/builder.hpp"
#include "sip/uri/escape.hpp"
#include "sip/uri/uri.hpp"

namespace sip::b2bua {
namespace {

constexpr const char* kLog = "b2bua";
constexpr const char* kTransferPlan = "transfer";

std::string str(std::string_view v) {
  return std::string(v);
}

}  // namespace

std::optional<std::string> replaces_of(std::string_view uri_headers) {
  // "Replaces=<escaped value>" among '&'-separated headers (RFC 3261 19.1.1).
  while (!uri_headers.empty()) {
    const auto amp = uri_headers.find('&');
    std::string_view h = uri_headers.substr(0, amp);
    uri_headers.remove_prefix(amp == std::string_view::npos ? uri_headers.size() : amp + 1);
    const auto eq = h.find('=');
    if (eq != std::string_view::npos && ci_equal(h.substr(0, eq), "Replaces"))
      return uri::unescape(h.substr(eq + 1));
  }
  return std::nullopt;
}

std::optional<ReferTarget> refer_target(const msg::Message& refer) {
  const auto refer_to = msg::parse_contact(refer.value(msg::HeaderId::ReferTo));
  if (!refer_to || !refer_to->addr.uri.is_sip()) return std::nullopt;
  ReferTarget t;
  t.uri = str(refer_to->addr.uri.text);
  if (const auto q = t.uri.find('?'); q != std::string::npos) {
    t.replaces = replaces_of(std::string_view(t.uri).substr(q + 1));
    t.uri.resize(q);  // other embedded headers are not applied
  }
  return t;
}

void CallManager::Impl::attended_refer(Call& call, bool from_a, txn::ServerTransaction& txn,
                                       const std::string& replaces) {
  // "call-id;to-tag=..;from-tag=.." names the referrer's other dialog with
  // us (all three must match).
  const auto parsed = msg::parse_replaces(replaces);
  const auto found = parsed ? find_replaced(*parsed) : std::nullopt;
  Call* other = found ? find_call(found->first) : nullptr;
  const bool other_referrer_is_a = found && found->second;
  if (other == nullptr || other->id == call.id) {
    (void)txn.respond(481, "Replaced dialog not found");
    return;
  }
  if (other->owner != call.owner) {
    // Another customer's call is never touched (nor its existence told).
    (void)txn.respond(481, "Replaced dialog not found");
    return;
  }
  if (other->state != CallState::Confirmed || other->transfer || other->replacing) {
    (void)txn.respond(491, "Request Pending");
    return;
  }
  (void)txn.respond(202, "Accepted");
  // Told first (on the dialog that goes away), then joined.
  Transfer t;
  t.referrer_is_a = from_a;
  t.notify = true;
  call.transfer = t;
  Side& referrer = from_a ? call.a : call.b;
  const std::string key = dialog_key(referrer.call_id, referrer.local_tag);
  Side told = referrer;
  told.local_cseq += 1;  // the NOTIFY's
  retired[key] = call.id;
  call.retired.push_back(key);
  byes_pending.insert(key);
  notify_referrer(call, 200, "OK", true,
                  [this, told, key]() mutable { bye_retired(std::move(told), key); });
  call.transfer.reset();
  const CallId cid = call.id;
  const std::string error =
      join_calls(call, !from_a, *other, !other_referrer_is_a, "transferred", false);
  if (error.empty()) return;
  log(LogLevel::Info, kLog, call.owner_name + ": attended transfer: " + error);
  if (Call* c = find_call(cid))
    emit_call_note(svc.events, *c, "transfer_failed", true, "attended transfer failed: " + error);
}

std::size_t CallManager::Impl::root_of(const Call& call, std::size_t plan) const {
  while (plan != 0 && plan < call.plans.size() && !call.plans[plan].transfer_root &&
         !call.plans[plan].callback_second)
    plan = call.plans[plan].parent;
  return plan < call.plans.size() ? plan : 0;
}

void CallManager::Impl::notify_referrer(Call& call, int status, std::string_view reason, bool final,
                                        std::function<void()> then) {
  Side* referrer = nullptr;
  if (call.transfer && call.transfer->notify)
    referrer = call.transfer->referrer_is_a ? &call.a : &call.b;
  if (referrer == nullptr || referrer->hung_up) {
    if (then) then();
    return;
  }
  const std::string frag = "SIP/2.0 " + std::to_string(status) + " " + str(reason) + "\r\n";
  auto notify = build_in_dialog(
      *referrer, "NOTIFY", referrer->local_cseq++, "message/sipfrag;version=2.0", frag,
      {"Event: refer", final ? "Subscription-State: terminated;reason=noresource"
                             : "Subscription-State: active;expires=60"});
  if (!notify) {
    if (then) then();
    return;
  }
  call.notifies.push_back(Call::QueuedNotify{std::move(*notify), referrer->dest, std::move(then)});
  next_notify(call.id);
}

void CallManager::Impl::next_notify(CallId cid) {
  Call* call = find_call(cid);
  if (call == nullptr || call->notify_in_flight || call->notifies.empty()) return;
  Call::QueuedNotify q = std::move(call->notifies.front());
  call->notifies.pop_front();
  call->notify_in_flight = true;
  // Whatever its outcome, the next one follows and `then` runs.
  std::weak_ptr<int> token = alive;
  auto once = std::make_shared<std::pair<bool, std::function<void()>>>(false, std::move(q.then));
  auto done = [this, token, cid, once] {
    if (token.expired() || once->first) return;
    once->first = true;
    auto then = std::move(once->second);
    if (Call* c = find_call(cid)) c->notify_in_flight = false;
    if (then) then();
    next_notify(cid);
  };
  txn::ClientEvents ev;
  ev.on_response = [done](const msg::Message& r) {
    if (r.status() >= 200) done();
  };
  ev.on_timeout = done;
  ev.on_transport_error = [done](const Error&) { done(); };
  if (!svc.layer->send_request(std::move(q.request), q.dest, std::move(ev))) done();
}

void CallManager::Impl::bye_retired(Side gone, const std::string& key) {
  byes_pending.erase(key);
  if (left_themselves.erase(key) != 0) return;  // it hung up itself meanwhile
  gone.hung_up = false;
  send_bye(gone);
}

void CallManager::Impl::on_refer(Call& call, bool from_a, txn::ServerTransaction& txn,
                                 const msg::Message& m) {
  if (call.state != CallState::Confirmed || call.transfer || call.replacing) {
    (void)txn.respond(491, "Request Pending");
    return;
  }
  const auto refer = refer_target(m);
  if (!refer) {
    (void)txn.respond(400, "Bad Refer-To header");
    return;
  }
  if (refer->replaces) return attended_refer(call, from_a, txn, *refer->replaces);
  const std::string& target = refer->uri;
  if (call.lookups->snapshot().find_dialplan(call.owner, kTransferPlan) == nullptr) {
    log(LogLevel::Info, kLog, call.owner_name + ": REFER refused: no dial plan named \"transfer\"");
    (void)txn.respond(603, "No transfer dial plan");
    return;
  }
  (void)txn.respond(202, "Accepted");
  const CallId cid = call.id;
  // The referrer leaves; the other party is the transferee.
  const std::string error = start_transfer(call, !from_a, target, true);
  if (error.empty()) return;
  Call* c = find_call(cid);
  if (c == nullptr) return;
  log(LogLevel::Info, kLog, c->owner_name + ": transfer failed: " + error);
  emit_call_note(svc.events, *c, "transfer_failed", true,
                 "transfer to " + target + " failed: " + error);
  // The REFER was accepted: its subscription ends with the failure.
  Transfer t;
  t.referrer_is_a = from_a;
  t.notify = true;
  c->transfer = t;
  notify_referrer(*c, 603, "Declined", true);
  c->transfer.reset();
}

std::string CallManager::Impl::start_transfer(Call& call, bool transferee_is_a,
                                              std::string_view target_uri, bool notify) {
  if (call.state != CallState::Confirmed) return "the call is not established";
  if (call.transfer || call.replacing) return "a transfer of this call is in progress";
  const directory::Snapshot& dir = call.lookups->snapshot();
  const store::DialPlan* stored = dir.find_dialplan(call.owner, kTransferPlan);
  if (stored == nullptr) return "no dial plan named \"transfer\"";
  const store::SipAccount* account = dir.get(call.account_id);
  if (account == nullptr) return "the call's account no longer exists";
  dialplan::Diagnostic diag;
  auto compiled = plan_for(*stored, &diag);
  if (!compiled) return "the transfer dial plan does not compile: " + diag.message;
  const auto target = uri::parse_uri(target_uri);
  if (!target || !target->is_sip() || target->user.empty()) return "bad transfer target";

  // What the plan sees: an INVITE from the transferee to the target, with
  // the transferee's session (taken off hold: the new party should hear it).
  const Side& transferee = transferee_is_a ? call.a : call.b;
  auto b = msg::MessageBuilder::request("INVITE", target_uri);
  b.header("Via", "SIP/2.0/UDP " + transferee.via_host + ";branch=" + make_branch());
  b.header("From", transferee.remote);
  b.header("To", "<" + str(target_uri) + ">");
  b.header("Call-ID", make_call_id());
  b.header("CSeq", "1 INVITE");
  if (!transferee.sdp.empty())
    b.body(transferee.sdp_type.empty() ? std::string_view("application/sdp")
                                       : std::string_view(transferee.sdp_type),
           sendrecv_sdp(transferee.sdp));
  auto offer = b.build();
  if (!offer) return "cannot build the transfer request";

  dialplan::CallContext ctx = make_context(call, *offer, *account);
  ctx.direction = dialplan::Direction::Out;
  ctx.dialplan_name = kTransferPlan;
  ctx.transfer = true;
  routing::ResolveInput base = resolve_base(*offer, call.owner);
  base.account_user = account->username;
  base.account_host = account->domain;

  PlanRun run;
  run.owner = call.owner;
  run.owner_name = call.owner_name;
  run.dialplan = kTransferPlan;
  run.transfer_root = true;
  run.offer = std::move(*offer);
  call.plans.push_back(std::move(run));
  Transfer t;
  t.plan = call.plans.size() - 1;
  t.referrer_is_a = !transferee_is_a;
  t.notify = notify;
  call.transfer = t;
  log(LogLevel::Info, kLog,
      call.owner_name + ": transferring " + transferee.remote + " to " + str(target_uri));
  notify_referrer(call, 100, "Trying", false);
  start_plan(call, t.plan, std::move(compiled), std::move(ctx), std::move(base));
  return {};
}

void CallManager::Impl::transfer_plan_done(CallId cid, std::size_t plan, const dialplan::Done& done,
                                           const dialer::CallerResponse& caller) {
  Call* call = find_call(cid);
  if (call == nullptr || plan >= call->plans.size()) return;
  call->plans[plan].finished = true;
  if (done.kind == dialplan::DoneKind::ScriptError)
    log(LogLevel::Warn, "dialplan",
        call->owner_name + "/" + kTransferPlan + ": " +
            (done.error_line > 0 ? "line " + std::to_string(done.error_line) + ": " : "") +
            done.error_message);
  if (!call->transfer || call->transfer->plan != plan) return;  // answered: transferred
  if (done.kind == dialplan::DoneKind::Answered) return;
  // Failed: the call stays as it was; the referrer learns why.
  const int status = caller.send ? caller.status : 487;
  const std::string reason = caller.send ? caller.reason : "Request Terminated";
  log(LogLevel::Info, kLog,
      call->owner_name + ": transfer failed (" + std::to_string(status) + " " + reason + ")");
  emit_call_note(svc.events, *call, "transfer_failed", true,
                 "transfer failed: " + std::to_string(status) + " " + reason);
  notify_referrer(*call, status, reason, true);
  call->transfer.reset();
}

std::string CallManager::Impl::session_for(const Side& to, const Side& from) {
  std::optional<std::string> body;
  if (!from.sdp.empty() && to.mangle && from.mangle)
    body = mangle_sdp(from.sdp_type, from.sdp, from.source_ip);
  return body ? std::move(*body) : from.sdp;
}

void CallManager::Impl::keep_origin(Side& to, const Side& old_peer) {
  if (to.origin) return;
  auto seen = sdp_origin(old_peer.sdp);
  if (!seen) return;
  to.origin = std::make_shared<OriginContinuity>(OriginContinuity{std::move(*seen), old_peer.sdp});
}

std::string CallManager::Impl::for_party(Side& to, std::string_view body) {
  if (!to.origin || body.empty()) return std::string(body);
  return continue_origin(*to.origin, body);
}

std::uint32_t CallManager::Impl::send_reinvite(Call& call, bool to_a, std::string_view content_type,
                                               std::string_view body,
                                               std::function<void(const msg::Message*)> done,
                                               bool ack_later) {
  Side& side = to_a ? call.a : call.b;
  const std::uint32_t cseq = side.local_cseq++;
  auto invite = build_in_dialog(side, "INVITE", cseq, content_type, for_party(side, body));
  if (!invite) {
    if (done) done(nullptr);
    return 0;
  }
  const CallId cid = call.id;
  std::weak_ptr<int> token = alive;
  auto shared_done = std::make_shared<std::function<void(const msg::Message*)>>(std::move(done));
  txn::ClientEvents ev;
  ev.on_response = [this, token, cid, to_a, cseq, shared_done, ack_later](const msg::Message& r) {
    if (token.expired() || r.status() < 200) return;
    Call* c = find_call(cid);
    if (c == nullptr) return;
    Side& s = to_a ? c->a : c->b;
    if (r.status() >= 300) {
      log(LogLevel::Info, kLog,
          "re-INVITE refused: " + std::to_string(r.status()) + " " + str(r.reason()));
    } else {
      if (!r.body().empty()) {
        s.sdp_type = str(r.value(msg::HeaderId::ContentType));
        s.sdp = str(r.body());
      }
      if (!ack_later) (void)send_ack(s, cseq, {}, {});
    }
    if (*shared_done) (*shared_done)(&r);
  };
  if (*shared_done) {
    ev.on_timeout = [token, shared_done] {
      if (!token.expired()) (*shared_done)(nullptr);
    };
    ev.on_transport_error = [token, shared_done](const Error&) {
      if (!token.expired()) (*shared_done)(nullptr);
    };
  }
  auto sent = svc.layer->send_request(std::move(*invite), side.dest, std::move(ev));
  if (!sent) {
    if (*shared_done) (*shared_done)(nullptr);
    return 0;
  }
  return cseq;
}

void CallManager::Impl::transfer_answered(Call& call, Leg& leg, const msg::Message& r) {
  const Transfer t = *call.transfer;
  leg.state = LegState::Answered;
  leg.status = r.status();
  Side joined = side_from_answer(leg, r);
  // Our INVITE carried the offer: the ACK has no body.
  const std::string ack = send_ack(joined, leg.cseq, {}, {});

  const std::int64_t now = now_ms();
  leg.cdr.answered_at = now;
  leg.cdr.answer_status = r.status();
  leg.cdr.answer_reason = str(r.reason());
  write_cdr(leg.cdr);

  // The referrer is told, then (when the NOTIFY is answered, so that the
  // BYE does not overtake it) hung up; its record ends here.
  Side& referrer = t.referrer_is_a ? call.a : call.b;
  const std::string key = dialog_key(referrer.call_id, referrer.local_tag);
  Side told = referrer;
  told.local_cseq += t.notify ? 1 : 0;  // the NOTIFY's CSeq is taken below
  retired[key] = call.id;
  call.retired.push_back(key);
  byes_pending.insert(key);
  notify_referrer(call, 200, "OK", true,
                  [this, told, key]() mutable { bye_retired(std::move(told), key); });
  referrer.hung_up = true;
  if (store::Cdr* gone = party_cdr(call, t.referrer_is_a);
      gone != nullptr && gone->hungup_at == 0) {
    gone->hungup_at = now;
    gone->hangup_reason = "transferred";
    write_cdr(*gone);
  }

  // The bridge is now the transferee (A) and the new party (B).
  keep_origin(t.referrer_is_a ? call.b : call.a, referrer);
  unindex_dialogs(call);
  if (t.referrer_is_a) call.a = std::move(call.b);
  call.b = std::move(joined);
  call.winner = leg.id;
  call.ack_b = ack;
  call.pending_ack_cseq_a = 0;
  call.pending_ack_cseq_b = 0;
  index_dialogs(call);
  call.transfer.reset();
  log(LogLevel::Info, kLog,
      call.owner_name + ": transferred " + call.a.remote + " to " + leg.target.request_uri);
  emit_call_note(svc.events, call, "transferred", false,
                 call.a.remote + " transferred to " + leg.target.request_uri);

  // The transferee gets the new party's session.
  send_reinvite(call, true, call.b.sdp_type, session_for(call.a, call.b));
}

std::string CallManager::blind_transfer(std::uint64_t id, store::Id owner,
                                        std::string_view destination) {
  Call* call = impl_->find_call(id);
  if (call == nullptr || call->state == CallState::Ended || (owner != 0 && call->owner != owner))
    return "no such call";
  if (destination.empty()) return "empty destination";
  // The far end stays: the callee of an Out call, the caller of an In call.
  const bool transferee_is_a = call->direction == dialplan::Direction::In;
  std::string target(destination);
  if (target.rfind("sip:", 0) != 0 && target.rfind("sips:", 0) != 0) {
    if (target.find('@') == std::string::npos) {
      const store::SipAccount* a = call->lookups->snapshot().get(call->account_id);
      target += "@" + (a != nullptr ? a->domain : std::string("local"));
    }
    target = "sip:" + target;
  }
  return impl_->start_transfer(*call, transferee_is_a, target, false);
}

}  // namespace sip::b2bua
