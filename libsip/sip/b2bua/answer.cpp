// Bridging: the first 2xx of a leg becomes the caller's 200 (SDP mangled for
// NAT, answered-call limit armed), provisional responses are relayed to the
// caller, and 2xx responses nobody wants are acknowledged and hung up.
#include <utility>

#include "sip/b2bua/call_impl.hpp"
#include "sip/b2bua/events.hpp"
#include "sip/base/log.hpp"
#include "sip/message/builder.hpp"

namespace sip::b2bua {
namespace {

constexpr const char* kLog = "b2bua";

std::string str(std::string_view v) {
  return std::string(v);
}

}  // namespace

void CallManager::Impl::orphan_2xx(const msg::Message& r, const transport::Destination& dest,
                                   const std::string& via_host, std::uint32_t cseq) {
  Side s;
  s.call_id = str(r.call_id());
  s.local = str(r.value(msg::HeaderId::From));
  s.remote = str(r.value(msg::HeaderId::To));
  if (auto c = r.value(msg::HeaderId::Contact); !c.empty())
    if (auto cv = msg::parse_contact(c)) s.remote_target = str(cv->addr.uri.text);
  if (s.remote_target.empty()) {
    if (auto to = r.to()) s.remote_target = str(to->uri.text);
  }
  std::vector<std::string> rr;
  r.for_each(msg::HeaderId::RecordRoute,
             [&](const msg::HeaderField& f) { rr.push_back(str(r.text(f.value))); });
  s.route_set.assign(rr.rbegin(), rr.rend());
  s.local_cseq = cseq + 1;
  s.dest = dest;
  s.kind = dest.kind;
  s.via_host = via_host;
  send_ack(s, cseq, {}, {});
  send_bye(s);
}

void CallManager::Impl::relay_provisional(Call& call, Leg& leg, const msg::Message& r) {
  if (call.state != CallState::Routing || call.uas == txn::ServerId{} || !call.invite) return;
  auto b = msg::make_response(*call.invite, r.status(), r.reason(), call.to_tag);
  b.header("Contact", contact_for(call.a));
  b.header("Server", config.server_name);
  const std::string_view ctype = r.value(msg::HeaderId::ContentType);
  if (!r.body().empty()) {
    std::optional<std::string> body;
    if (leg.target.options.mangle) body = mangle_sdp(ctype, r.body(), leg.dest.address.ip_string());
    b.body(ctype, body ? std::string_view(*body) : r.body());
  }
  if (auto built = b.build()) (void)svc.layer->respond(call.uas, std::move(*built));
  call.provisional_sent = true;
  if (call.cdr.progress_at == 0) {
    call.cdr.progress_at = now_ms();
    call.cdr.progress_status = r.status();
    call.cdr.progress_reason = str(r.reason());
  }
  event(call, CallEvent::Kind::Progress, r.status(), r.reason());
}

Side CallManager::Impl::side_from_answer(const Leg& leg, const msg::Message& r) const {
  Side b;
  b.call_id = leg.call_id;
  b.local = str(leg.invite->value(msg::HeaderId::From));
  b.remote = str(r.value(msg::HeaderId::To));
  b.local_tag = leg.from_tag;
  if (auto to = r.to()) b.remote_tag = str(to->tag());
  if (auto c = r.value(msg::HeaderId::Contact); !c.empty())
    if (auto cv = msg::parse_contact(c)) b.remote_target = str(cv->addr.uri.text);
  if (b.remote_target.empty()) b.remote_target = leg.target.request_uri;
  std::vector<std::string> rr;
  r.for_each(msg::HeaderId::RecordRoute,
             [&](const msg::HeaderField& f) { rr.push_back(str(r.text(f.value))); });
  b.route_set.assign(rr.rbegin(), rr.rend());
  b.local_cseq = leg.cseq + 1;
  b.dest = leg.dest;
  b.kind = leg.dest.kind;
  b.via_host = leg.via_host;
  b.source_ip = leg.dest.address.ip_string();
  b.mangle = leg.target.options.mangle && !leg.dont_mangle;
  b.sdp_type = str(r.value(msg::HeaderId::ContentType));
  b.sdp = str(r.body());
  b.cdr_id = leg.cdr.id;
  return b;
}

void CallManager::Impl::answer(Call& call, Leg& leg, const msg::Message& r) {
  ++stats.answered;
  leg.state = LegState::Answered;
  leg.status = r.status();
  call.winner = leg.id;
  call.state = CallState::Answered;
  if (leg.plan < call.plans.size() && call.plans[leg.plan].runner)
    call.dial_answered_limit = call.plans[leg.plan].runner->dial_answered_limit();

  // Side B: our UAC dialog with the leg.
  call.b = side_from_answer(leg, r);
  const Side& b = call.b;
  if (call.invite) {
    call.a.sdp_type = str(call.invite->value(msg::HeaderId::ContentType));
    call.a.sdp = str(call.invite->body());
  }

  // The caller's 2xx, with the leg's answer.
  const Side& a = call.a;
  auto ok = msg::make_response(*call.invite, 200, "OK", call.to_tag);
  ok.header("Contact", contact_for(a));
  ok.header("Server", config.server_name);
  ok.header("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, MESSAGE");
  const std::string_view ctype = r.value(msg::HeaderId::ContentType);
  if (!r.body().empty()) {
    const bool mangle =
        b.mangle && !(!call.network_id.empty() && call.network_id == leg.network_id);
    std::optional<std::string> body;
    if (mangle) body = mangle_sdp(ctype, r.body(), b.source_ip);
    ok.body(ctype, body ? std::string_view(*body) : r.body());
  }
  auto built = ok.build();
  if (!built) {
    log(LogLevel::Warn, kLog, "cannot build the 200 OK for the caller");
    return end_call(call, "internal error");
  }
  call.ok = built->clone();
  (void)svc.layer->respond(call.uas, std::move(*built));
  by_uas.erase(static_cast<std::uint64_t>(call.uas));
  index_dialogs(call);

  const std::int64_t now = now_ms();
  leg.cdr.answered_at = now;
  leg.cdr.answer_status = r.status();
  leg.cdr.answer_reason = str(r.reason());
  call.cdr.answered_at = now;
  call.cdr.answer_status = 200;
  call.cdr.answer_reason = "OK";
  // Records are upserted when answered too (store::Cdr), so a crash during
  // the call does not lose the answer.
  write_cdr(leg.cdr);
  write_cdr(call.cdr);
  emit_leg(svc.events, call, leg, "answered", r.status(), r.reason());
  event(call, CallEvent::Kind::Answered, 200, "OK");

  const CallId cid = call.id;
  std::weak_ptr<int> token = alive;
  // Retransmit our 2xx until the caller ACKs (13.3.1.4); reliable
  // transports need no retransmission but still a deadline.
  call.ok_interval = svc.layer->config().t1;
  call.ok_elapsed = Duration{0};
  call.ok_timer = svc.timers->start(call.ok_interval, [this, token, cid] {
    if (!token.expired()) retransmit_ok(cid);
  });
  // Answered-call limit: cd= of the leg wins over the Dial's limit.
  int limit = call.dial_answered_limit;
  if (leg.target.options.call_duration) limit = static_cast<int>(*leg.target.options.call_duration);
  if (limit > 0) {
    call.duration_timer = svc.timers->start(std::chrono::seconds(limit), [this, token, cid] {
      if (token.expired()) return;
      Call* c = find_call(cid);
      if (c == nullptr) return;
      c->duration_timer = 0;
      ++stats.duration_limit;
      c->cdr.hangup_reason = "call duration limit";
      for (auto& l : c->legs)
        if (l->id == c->winner) l->cdr.hangup_reason = "call duration limit";
      end_call(*c, "call duration limit");
    });
  }
}

}  // namespace sip::b2bua
