// INVITE with Replaces (RFC 3891, docs/transfers.md): a new party takes the
// place of one party of a call we bridge. It completes an attended transfer
// that was passed through (tr=p: the transferee got the REFER and calls the
// target with Replaces) and lets a customer's own phone take over a call.
// Honoured for the same customer only: the caller authenticates as an
// account of the call's owner, or calls from the address we relayed a
// REFER naming that dialog to. Anything else gets 481, as if the dialog
// did not exist. The replaced party's partner is re-INVITEd with the new
// party's offer; its answer goes into our 200 to the new party; then the
// replaced party gets BYE.
#include <utility>

#include "sip/b2bua/call_impl.hpp"
#include "sip/b2bua/events.hpp"
#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/message/builder.hpp"
#include "sip/uri/uri.hpp"

namespace sip::b2bua {
namespace {

constexpr const char* kLog = "b2bua";
constexpr std::size_t kMaxExpected = 4096;

std::string str(std::string_view v) {
  return std::string(v);
}

}  // namespace

std::optional<std::pair<CallId, bool>> CallManager::Impl::find_replaced(const msg::Replaces& r) {
  // Either tag may be ours: RFC 3891 names them as the recipient sees the
  // dialog, and phones differ in whose view they take.
  const std::pair<std::string_view, std::string_view> views[] = {{r.to_tag, r.from_tag},
                                                                 {r.from_tag, r.to_tag}};
  for (const auto& [mine, theirs] : views) {
    const auto it = dialogs.find(dialog_key(r.call_id, mine));
    if (it == dialogs.end()) continue;
    Call* c = find_call(it->second.first);
    if (c == nullptr) continue;
    const Side& s = it->second.second ? c->a : c->b;
    if (s.remote_tag != theirs) continue;
    return it->second;
  }
  return std::nullopt;
}

void CallManager::Impl::expect_replaces(const Call& call, const Side& recipient,
                                        const msg::Message& refer) {
  const auto target = refer_target(refer);
  if (!target || !target->replaces) return;
  const auto parsed = msg::parse_replaces(*target->replaces);
  if (!parsed) return;
  const auto found = find_replaced(*parsed);
  if (!found) return;
  const Call* named = find_call(found->first);
  if (named == nullptr || named->owner != call.owner) return;
  const std::int64_t now = now_ms();
  if (expected_replaces.size() >= kMaxExpected) {
    for (auto it = expected_replaces.begin(); it != expected_replaces.end();)
      it = it->second.until < now ? expected_replaces.erase(it) : std::next(it);
    if (expected_replaces.size() >= kMaxExpected) return;
  }
  const Side& s = found->second ? named->a : named->b;
  const auto wait =
      std::chrono::duration_cast<std::chrono::milliseconds>(svc.layer->config().timeout());
  expected_replaces[dialog_key(s.call_id, s.local_tag)] =
      ExpectedReplaces{call.owner, recipient.source_ip, now + wait.count()};
}

void CallManager::Impl::on_replacing_invite(txn::ServerTransaction& txn, transport::Inbound& in,
                                            store::Id owner, const store::SipAccount* account) {
  const msg::Message& m = in.message;
  auto reject = [&](int status, std::string_view reason) { reject_invite(txn, m, status, reason); };
  const auto rep = msg::parse_replaces(m.value(msg::HeaderId::Replaces));
  if (!rep) return reject(400, "Bad Replaces header");
  const auto found = find_replaced(*rep);
  Call* call = found ? find_call(found->first) : nullptr;
  std::string key;
  if (call != nullptr) {
    const Side& s = found->second ? call->a : call->b;
    key = dialog_key(s.call_id, s.local_tag);
  }
  bool allowed = call != nullptr;
  if (allowed && owner == 0) {
    const auto e = expected_replaces.find(key);
    allowed = e != expected_replaces.end() && e->second.owner == call->owner &&
              e->second.until >= now_ms() && e->second.ip == in.origin.remote.ip_string();
  } else if (allowed) {
    allowed = owner == call->owner;
  }
  if (!allowed || call->state != CallState::Confirmed) {
    // Another customer's call is never touched, nor its existence told.
    ++stats.no_dialog;
    log(LogLevel::Info, kLog,
        "INVITE with Replaces from " + in.origin.remote.to_string() + " refused: no such dialog");
    return reject(481, "Call/Transaction Does Not Exist");
  }
  if (rep->early_only) return reject(486, "Busy Here");
  const Side& gone = found->second ? call->a : call->b;
  if (gone.hung_up) return reject(603, "Declined");
  if (call->transfer || call->replacing) return reject(491, "Request Pending");
  expected_replaces.erase(key);

  Replacing r;
  r.replaced_is_a = found->second;
  r.side = caller_side(m, in.origin, make_tag());
  r.side.mangle = account == nullptr || !account->dont_mangle;
  const std::string_view ctype = m.value(msg::HeaderId::ContentType);
  r.side.sdp_type = str(ctype);
  r.side.sdp = str(m.body());
  r.ack_later = m.body().empty();

  // The new party's record, of the call's bridge.
  const auto from = m.from();
  r.cdr = new_cdr(call->owner, "in");
  if (account != nullptr) r.cdr.account = account->username + "@" + account->domain;
  if (const auto ruri = m.request_uri()) {
    r.cdr.dst_user = str(ruri->user);
    r.cdr.dst_host = str(ruri->host);
  }
  r.cdr.dst_uri = str(m.request_uri_text());
  if (from) {
    r.cdr.from_user = str(from->uri.user);
    r.cdr.from_name = str(from->display);
  }
  r.cdr.from_header = str(m.value(msg::HeaderId::From));
  r.cdr.call_id = str(m.call_id());
  r.cdr.local_socket = socket_text(in.origin.kind, in.origin.local.to_string());
  r.cdr.remote_socket = socket_text(in.origin.kind, in.origin.remote.to_string());
  r.cdr.bridge_id = call->cdr.bridge_id;
  r.side.cdr_id = r.cdr.id;

  // The partner gets the new party's offer (or none: it offers, the new
  // party answers in its ACK).
  const bool partner_is_a = !found->second;
  Side& partner = partner_is_a ? call->a : call->b;
  keep_origin(partner, gone);
  std::string offer = r.side.sdp;
  if (!offer.empty() && r.side.mangle && partner.mangle)
    if (auto b = mangle_sdp(ctype, offer, r.side.source_ip)) offer = std::move(*b);
  r.uas = txn.release();
  (void)svc.layer->respond(r.uas, 100, "Trying");
  r.invite = std::move(in.message);
  const bool ack_later = r.ack_later;
  const std::string type = r.side.sdp_type;
  call->replacing = std::make_unique<Replacing>(std::move(r));
  const CallId cid = call->id;
  const std::uint32_t cseq = send_reinvite(
      *call, partner_is_a, type, offer,
      [this, cid](const msg::Message* resp) { replacing_answered(cid, resp); }, ack_later);
  if (Call* c = find_call(cid); c != nullptr && c->replacing) c->replacing->cseq = cseq;
}

void CallManager::Impl::replacing_answered(CallId cid, const msg::Message* resp) {
  Call* call = find_call(cid);
  if (call == nullptr || !call->replacing) return;
  Replacing rep = std::move(*call->replacing);
  call->replacing.reset();
  if (resp == nullptr || resp->status() >= 300) {
    const int status = resp != nullptr ? resp->status() : 500;
    const std::string reason =
        resp != nullptr ? str(resp->reason()) : "Replaced party's partner did not answer";
    auto b = msg::make_response(rep.invite, status, reason, rep.side.local_tag);
    b.header("Server", config.server_name);
    if (auto built = b.build()) (void)svc.layer->respond(rep.uas, std::move(*built));
    emit_call_note(svc.events, *call, "replace_failed", true,
                   "INVITE with Replaces failed: the partner answered " + std::to_string(status));
    return;
  }
  const std::int64_t now = now_ms();
  // The replaced party leaves: its record ends, it gets BYE (a BYE of its
  // own crossing ours gets 200).
  Side gone = rep.replaced_is_a ? call->a : call->b;
  if (store::Cdr* r = cdr_by_id(*call, gone.cdr_id); r != nullptr && r->hungup_at == 0) {
    r->hungup_at = now;
    r->hangup_reason = "replaced";
    write_cdr(*r);
  }
  unindex_dialogs(*call);
  if (!rep.replaced_is_a) call->b = std::move(call->a);  // the partner is side B from now on
  call->a = std::move(rep.side);
  call->winner = 0;  // the answering leg's dial string no longer applies
  call->ack_b.clear();
  call->pending_ack_cseq_a = 0;
  call->pending_ack_cseq_b = rep.ack_later ? rep.cseq : 0;  // the new party's ACK answers
  index_dialogs(*call);
  const std::string gone_key = dialog_key(gone.call_id, gone.local_tag);
  retired[gone_key] = call->id;
  call->retired.push_back(gone_key);
  if (!gone.hung_up) send_bye(gone);

  rep.cdr.answered_at = now;
  rep.cdr.answer_status = 200;
  rep.cdr.answer_reason = "OK";
  write_cdr(rep.cdr);
  call->adopted.push_back(std::move(rep.cdr));

  // Our 200 to the new party carries the partner's answer (or offer),
  // retransmitted until its ACK (dialog.cpp).
  auto ok = msg::make_response(rep.invite, 200, "OK", call->a.local_tag);
  ok.header("Contact", contact_for(call->a));
  ok.header("Server", config.server_name);
  ok.header("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, MESSAGE, REFER, NOTIFY");
  const std::string body = session_for(call->a, call->b);
  if (!body.empty()) ok.body(call->b.sdp_type, body);
  auto built = ok.build();
  if (!built) {
    log(LogLevel::Warn, kLog, "cannot build the 200 OK for the replacing party");
    return end_call(*call, "internal error");
  }
  call->ok = built->clone();
  call->uas = rep.uas;
  (void)svc.layer->respond(rep.uas, std::move(*built));
  log(LogLevel::Info, kLog,
      call->owner_name + ": " + call->a.remote + " replaced " + gone.remote + " (Replaces)");
  emit_call_note(svc.events, *call, "replaced", false,
                 call->a.remote + " replaced " + gone.remote + ", talking to " + call->b.remote);
  std::weak_ptr<int> token = alive;
  call->ok_interval = svc.layer->config().t1;
  call->ok_elapsed = Duration{0};
  if (call->ok_timer != 0) svc.timers->cancel(call->ok_timer);
  call->ok_timer = svc.timers->start(call->ok_interval, [this, token, cid] {
    if (!token.expired()) retransmit_ok(cid);
  });
}

}  // namespace sip::b2bua
