// The bridged call: the caller's ACK, in-dialog requests relayed between the
// two dialogs (BYE answered here and passed on), 2xx retransmission towards
// the caller and late 2xx clean-up.
#include <utility>

#include "sip/b2bua/call_impl.hpp"
#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/message/builder.hpp"

namespace sip::b2bua {
namespace {

constexpr const char* kLog = "b2bua";

std::string str(std::string_view v) {
  return std::string(v);
}

}  // namespace

std::string CallManager::Impl::contact_for(const Side& side) const {
  std::string c = "<sip:" + config.contact_user + "@" + side.via_host;
  if (side.kind != transport::Kind::Udp) c += ";transport=" + str(transport::kind_name(side.kind));
  c += ">";
  return c;
}

const Services::Listener* CallManager::Impl::listener_for(transport::Kind kind) const {
  for (const auto& l : svc.listeners)
    if (l.kind == kind) return &l;
  return svc.listeners.empty() ? nullptr : &svc.listeners.front();
}

std::string CallManager::Impl::via_host_for(transport::Kind kind, const std::string& hint) const {
  const bool unspecified =
      hint.empty() || hint.rfind("0.0.0.0", 0) == 0 || hint.rfind("[::]", 0) == 0;
  if (!unspecified) return hint;
  if (const auto* l = listener_for(kind)) return l->address;
  return hint.empty() ? std::string("127.0.0.1") : hint;
}

Side CallManager::Impl::caller_side(const msg::Message& m, const transport::Origin& origin,
                                    const std::string& tag) const {
  Side a;
  const auto from = m.from();
  a.call_id = str(m.call_id());
  a.local_tag = tag;
  a.local = str(m.value(msg::HeaderId::To)) + ";tag=" + tag;
  a.remote = str(m.value(msg::HeaderId::From));
  if (from) a.remote_tag = str(from->tag());
  if (auto c = m.value(msg::HeaderId::Contact); !c.empty())
    if (auto cv = msg::parse_contact(c)) a.remote_target = str(cv->addr.uri.text);
  if (a.remote_target.empty() && from) a.remote_target = str(from->uri.text);
  m.for_each(msg::HeaderId::RecordRoute,
             [&](const msg::HeaderField& f) { a.route_set.push_back(str(m.text(f.value))); });
  a.dest.kind = origin.kind;
  a.dest.address = origin.remote;
  a.dest.flow = origin.flow;
  a.kind = origin.kind;
  a.via_host = via_host_for(origin.kind, origin.local.to_string());
  a.source_ip = origin.remote.ip_string();
  a.local_cseq = 1;
  return a;
}

void CallManager::Impl::index_dialogs(Call& call) {
  dialogs[dialog_key(call.a.call_id, call.a.local_tag)] = {call.id, true};
  dialogs[dialog_key(call.b.call_id, call.b.local_tag)] = {call.id, false};
}

void CallManager::Impl::unindex_dialogs(Call& call) {
  if (!call.a.call_id.empty()) dialogs.erase(dialog_key(call.a.call_id, call.a.local_tag));
  if (!call.b.call_id.empty()) dialogs.erase(dialog_key(call.b.call_id, call.b.local_tag));
}

Result<msg::Message> CallManager::Impl::build_in_dialog(Side& side, std::string_view method,
                                                        std::uint32_t cseq,
                                                        std::string_view content_type,
                                                        std::string_view body,
                                                        const std::vector<std::string>& extra) {
  auto b = msg::MessageBuilder::request(method, side.remote_target);
  b.header("Via", "SIP/2.0/" + str(transport::kind_name(side.kind)) + " " + side.via_host +
                      ";rport;branch=" + make_branch());
  b.header("Max-Forwards", "70");
  for (const auto& r : side.route_set) b.header("Route", r);
  b.header("From", side.local);
  b.header("To", side.remote);
  b.header("Call-ID", side.call_id);
  b.header("CSeq", std::to_string(cseq) + " " + str(method));
  if (method != "ACK" && method != "BYE") b.header("Contact", contact_for(side));
  b.header("User-Agent", config.server_name);
  for (const auto& h : extra) {
    const auto colon = h.find(':');
    if (colon == std::string::npos) continue;
    std::string_view v(h);
    v.remove_prefix(colon + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    b.header(std::string_view(h).substr(0, colon), v);
  }
  if (!body.empty() || !content_type.empty()) b.body(content_type, body);
  return b.build();
}

void CallManager::Impl::send_bye(Side& side) {
  side.hung_up = true;
  auto bye = build_in_dialog(side, "BYE", side.local_cseq++, {}, {});
  if (!bye) return;
  // The BYE's outcome changes nothing here: the call is over either way.
  (void)svc.layer->send_request(std::move(*bye), side.dest, txn::ClientEvents{});
}

std::string CallManager::Impl::send_ack(Side& side, std::uint32_t cseq,
                                        std::string_view content_type, std::string_view body) {
  auto ack = build_in_dialog(side, "ACK", cseq, content_type, body);
  if (!ack) return {};
  std::string bytes(ack->bytes());
  svc.sender->send(side.dest, bytes, {});
  return bytes;
}

void CallManager::Impl::retransmit_ok(CallId cid) {
  Call* call = find_call(cid);
  if (call == nullptr) return;
  call->ok_timer = 0;
  // Answered: the caller's 200; Confirmed: a replacing party's (replaces.cpp).
  if (call->state == CallState::Routing || call->state == CallState::Ended || !call->ok) return;
  const auto& cfg = svc.layer->config();
  call->ok_elapsed += call->ok_interval;
  if (call->ok_elapsed >= cfg.timeout()) {
    log(LogLevel::Info, kLog, "no ACK for the 200 OK: hanging up " + call->a.call_id);
    call->cdr.hangup_reason = "no ACK from the caller";
    return end_call(*call, "no ACK from the caller");
  }
  if (!transport::is_reliable(call->a.kind)) (void)svc.layer->respond(call->uas, call->ok->clone());
  call->ok_interval = std::min<Duration>(call->ok_interval * 2, cfg.t2);
  // The last wait ends at the 64*T1 deadline (13.3.1.4), not up to T2 past it.
  call->ok_interval = std::min<Duration>(call->ok_interval, cfg.timeout() - call->ok_elapsed);
  std::weak_ptr<int> token = alive;
  call->ok_timer = svc.timers->start(call->ok_interval, [this, token, cid] {
    if (!token.expired()) retransmit_ok(cid);
  });
}

void CallManager::Impl::on_ack(transport::Inbound&& in) {
  const msg::Message& m = in.message;
  const auto to = m.to();
  if (!to) return;
  const auto it = dialogs.find(dialog_key(m.call_id(), to->tag()));
  if (it == dialogs.end()) return;
  Call* call = find_call(it->second.first);
  if (call == nullptr) return;
  const bool from_a = it->second.second;
  const std::string_view ctype = m.value(msg::HeaderId::ContentType);
  if (from_a && call->state == CallState::Answered) {
    call->state = CallState::Confirmed;
    if (call->ok_timer != 0) {
      svc.timers->cancel(call->ok_timer);
      call->ok_timer = 0;
    }
    std::uint32_t cseq = 1;
    for (auto& l : call->legs)
      if (l->id == call->winner) cseq = l->cseq;
    std::optional<std::string> body;
    if (!m.body().empty()) {
      call->a.sdp_type = str(ctype);
      call->a.sdp = str(m.body());
    }
    if (!m.body().empty() && call->b.mangle) body = mangle_sdp(ctype, m.body(), call->a.source_ip);
    call->ack_b = send_ack(call->b, cseq, ctype, body ? std::string_view(*body) : m.body());
    // Confirmed: the requests kept for routing, auth retries and 2xx
    // retransmission are no longer needed (memory per active call).
    call->ok.reset();
    call->invite.reset();
    for (auto& l : call->legs) l->invite.reset();
    return;
  }
  if (from_a && call->ok) {
    // The ACK of our 200 to a party that replaced another (replaces.cpp).
    if (call->ok_timer != 0) {
      svc.timers->cancel(call->ok_timer);
      call->ok_timer = 0;
    }
    call->ok.reset();
  }
  std::uint32_t& pending = from_a ? call->pending_ack_cseq_b : call->pending_ack_cseq_a;
  if (pending == 0) return;
  Side& other = from_a ? call->b : call->a;
  if (!m.body().empty()) {
    Side& from = from_a ? call->a : call->b;
    from.sdp_type = str(ctype);
    from.sdp = str(m.body());
  }
  (void)send_ack(other, pending, ctype, for_party(other, m.body()));
  pending = 0;
}

void CallManager::Impl::on_in_dialog(txn::ServerTransaction txn, transport::Inbound&& in) {
  const msg::Message& m = in.message;
  const auto to = m.to();
  const auto it = to ? dialogs.find(dialog_key(m.call_id(), to->tag())) : dialogs.end();
  Call* call = it == dialogs.end() ? nullptr : find_call(it->second.first);
  if (call == nullptr && to && m.method() == msg::Method::Bye) {
    const std::string key = dialog_key(m.call_id(), to->tag());
    if (retired.erase(key) != 0 || byes_pending.count(key) != 0) {
      // A party transferred away hangs up (before or across our own BYE).
      if (byes_pending.count(key) != 0) left_themselves.insert(key);
      (void)txn.respond(200, "OK");
      return;
    }
  }
  if (call == nullptr) {
    ++stats.no_dialog;
    (void)txn.respond(481, "Call/Transaction Does Not Exist");
    return;
  }
  ++stats.in_dialog;
  const bool from_a = it->second.second;
  Side& from = from_a ? call->a : call->b;
  Side& other = from_a ? call->b : call->a;
  const msg::Method method = m.method();

  if (method == msg::Method::Bye) {
    (void)txn.respond(200, "OK");
    from.hung_up = true;
    std::string why = from_a ? "caller hung up" : "callee hung up";
    if (auto r = m.value(msg::HeaderId::Reason); !r.empty()) why += " (" + str(r) + ")";
    call->cdr.hangup_reason = why;
    for (auto& l : call->legs)
      if (l->id == call->winner) l->cdr.hangup_reason = why;
    return end_call(*call, why);
  }
  if (method == msg::Method::Refer) {
    // The dial string of the answering leg decides (tr=p / tr=c).
    auto mode = dialstring::TransferMode::None;
    for (auto& l : call->legs)
      if (l->id == call->winner) mode = l->target.options.transfer;
    if (m.value(msg::HeaderId::ReferTo).empty()) {
      (void)txn.respond(400, "Missing Refer-To header");
      return;
    }
    if (mode == dialstring::TransferMode::Consume) return on_refer(*call, from_a, txn, m);
    if (mode != dialstring::TransferMode::PassThrough) {
      (void)txn.respond(603, "Transfers are disabled on dialogue");
      return;
    }
    expect_replaces(*call, other, m);
  }
  // A target refresh (re-INVITE, UPDATE) moves the peer's remote target.
  if (method == msg::Method::Invite || method == msg::Method::Update) {
    if (auto c = m.value(msg::HeaderId::Contact); !c.empty())
      if (auto cv = msg::parse_contact(c)) from.remote_target = str(cv->addr.uri.text);
  }

  const std::string_view ctype = m.value(msg::HeaderId::ContentType);
  if (!m.body().empty() && (method == msg::Method::Invite || method == msg::Method::Update)) {
    from.sdp_type = str(ctype);
    from.sdp = str(m.body());
  }
  std::optional<std::string> body;
  if (!m.body().empty() && from.mangle && other.mangle)
    body = mangle_sdp(ctype, m.body(), from.source_ip);
  if (other.origin && !m.body().empty())
    body = for_party(other, body ? std::string_view(*body) : m.body());
  std::vector<std::string> extra;
  for (const msg::HeaderField& f : m.fields()) {
    switch (f.id) {
      case msg::HeaderId::Event:
      case msg::HeaderId::SubscriptionState:
      case msg::HeaderId::ReferTo:
      case msg::HeaderId::ReferredBy:
      case msg::HeaderId::Reason:
      case msg::HeaderId::SessionExpires:
      case msg::HeaderId::MinSE:
      case msg::HeaderId::Supported:
      case msg::HeaderId::ContentDisposition:
        extra.push_back(str(m.text(f.name)) + ": " + str(m.text(f.value)));
        break;
      default: break;
    }
  }
  const std::uint32_t cseq = other.local_cseq++;
  auto request = build_in_dialog(other, m.method_token(), cseq, ctype,
                                 body ? std::string_view(*body) : m.body(), extra);
  if (!request) {
    (void)txn.respond(500, "Cannot relay request");
    return;
  }
  const CallId cid = call->id;
  const txn::ServerId origin = txn.release();
  auto original = std::make_shared<msg::Message>(m.clone());
  const bool is_invite = method == msg::Method::Invite;
  std::weak_ptr<int> token = alive;
  auto answer_origin = [this, origin](int status, std::string_view reason) {
    (void)svc.layer->respond(origin, status, reason);
  };
  txn::ClientEvents ev;
  ev.on_response = [this, token, cid, origin, original, from_a, is_invite,
                    cseq](const msg::Message& r) {
    if (token.expired()) return;
    if (r.status() == 100) return;
    Call* c = find_call(cid);
    auto b = msg::make_response(*original, r.status(), r.reason());
    if (c != nullptr) {
      Side& origin_side = from_a ? c->a : c->b;
      Side& far = from_a ? c->b : c->a;
      if (r.status() >= 200 && r.status() < 300) {
        b.header("Contact", contact_for(origin_side));
        if (is_invite) (from_a ? c->pending_ack_cseq_b : c->pending_ack_cseq_a) = cseq;
      }
      const std::string_view rtype = r.value(msg::HeaderId::ContentType);
      if (!r.body().empty() && is_invite && r.status() >= 200 && r.status() < 300) {
        far.sdp_type = str(rtype);
        far.sdp = str(r.body());
      }
      if (!r.body().empty()) {
        std::optional<std::string> rb;
        if (far.mangle && origin_side.mangle) rb = mangle_sdp(rtype, r.body(), far.source_ip);
        if (origin_side.origin) rb = for_party(origin_side, rb ? std::string_view(*rb) : r.body());
        b.body(rtype, rb ? std::string_view(*rb) : r.body());
      }
    }
    b.header("Server", config.server_name);
    if (auto built = b.build()) (void)svc.layer->respond(origin, std::move(*built));
  };
  ev.on_timeout = [token, answer_origin] {
    if (!token.expired()) answer_origin(408, "Request Timeout");
  };
  ev.on_transport_error = [token, answer_origin](const Error&) {
    if (!token.expired()) answer_origin(503, "Service Unavailable");
  };
  auto sent = svc.layer->send_request(std::move(*request), other.dest, std::move(ev));
  if (!sent) answer_origin(503, "Service Unavailable");
}

void CallManager::Impl::on_stray_response(transport::Inbound&& in) {
  const msg::Message& r = in.message;
  if (r.status() < 200 || r.status() >= 300) return;
  const auto cs = r.cseq();
  if (!cs || cs->method != msg::Method::Invite) return;
  const auto from = r.from();
  if (!from) return;
  const auto it = leg_index.find(dialog_key(r.call_id(), from->tag()));
  if (it == leg_index.end()) return;
  Call* call = find_call(it->second.first);
  if (call == nullptr) return;
  if (call->winner == it->second.second && !call->ack_b.empty()) {
    svc.sender->send(call->b.dest, call->ack_b, {});
  }
}

}  // namespace sip::b2bua
