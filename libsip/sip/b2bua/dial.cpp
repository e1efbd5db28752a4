// Legs on the wire: the dialer::Forker of each Dial decides which leg to
// place or cancel; here a leg becomes an INVITE (DNS for provider and URI
// legs, NAT-aware SDP), its responses are followed (one provider digest
// retry, 3xx Contact) and reported back, and the winning 2xx is bridged.
#include <algorithm>
#include <utility>

#include "sip/b2bua/call_impl.hpp"
#include "sip/b2bua/events.hpp"
#include "sip/base/ci.hpp"
#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/dns/resolver.hpp"
#include "sip/dns/rfc3263.hpp"
#include "sip/message/builder.hpp"
#include "sip/uri/uri.hpp"

namespace sip::b2bua {
namespace {

std::string str(std::string_view v) {
  return std::string(v);
}

}  // namespace

Leg* CallManager::Impl::find_leg(Call& call, LegId id) {
  for (auto& l : call.legs)
    if (l->id == id) return l.get();
  return nullptr;
}

dialer::Forker* CallManager::Impl::forker_of(Call& call, const Leg& leg) {
  if (leg.plan >= call.plans.size()) return nullptr;
  PlanRun& p = call.plans[leg.plan];
  if (!p.runner || p.runner->dial_count() != leg.dial) return nullptr;
  return p.runner->forker();
}

bool CallManager::Impl::accepts_answer(Call& call, const Leg& leg) {
  std::size_t plan = leg.plan, dial = leg.dial, index = leg.index;
  for (;;) {
    PlanRun& p = call.plans[plan];
    if (!p.runner || p.runner->dial_count() != dial) return false;
    dialer::Forker* f = p.runner->forker();
    if (f == nullptr || !f->accepts_answer(index)) return false;
    if (plan == 0) return call.state == CallState::Routing;
    if (p.transfer_root)
      return call.state == CallState::Confirmed && call.transfer && call.transfer->plan == plan;
    if (p.callback_second) return call.state == CallState::Routing;
    dial = p.parent_dial;
    index = p.parent_leg;
    plan = p.parent;
  }
}

void CallManager::Impl::report_answer(CallId cid, std::size_t plan, std::size_t dial,
                                      std::size_t index) {
  Call* call = find_call(cid);
  if (call == nullptr || plan >= call->plans.size()) return;
  PlanRun& p = call->plans[plan];
  if (!p.runner || p.runner->dial_count() != dial) return;
  // A loop-back execution that answered reports to its parent when its
  // runner finishes (finish_plan).
  if (dialer::Forker* f = p.runner->forker()) f->leg_answered(index);
}

void CallManager::Impl::place_leg(CallId cid, std::size_t plan, std::size_t index) {
  Call* call = find_call(cid);
  if (call == nullptr || plan >= call->plans.size()) return;
  PlanRun& run = call->plans[plan];
  dialer::Forker* forker = run.runner ? run.runner->forker() : nullptr;
  if (forker == nullptr || index >= forker->legs().size()) return;
  const routing::ResolvedLeg& target = forker->legs()[index];
  if (target.kind == routing::LegKind::Loopback) return start_loopback(*call, plan, index);

  auto owned = std::make_unique<Leg>();
  Leg* leg = owned.get();
  leg->id = next_leg++;
  leg->plan = plan;
  leg->dial = run.runner->dial_count();
  leg->index = index;
  if (const store::SipAccount* a = target.account) {
    leg->account = target.account_aor;
    leg->network_id = a->network_id;
    leg->dont_mangle = a->dont_mangle;
  }
  leg->target = target;
  leg->target.account = nullptr;  // the leg keeps the copies above, not the row
  call->legs.push_back(std::move(owned));
  const LegId lid = leg->id;

  ++stats.legs;
  leg->call_id = make_call_id();
  leg->from_tag = make_tag();
  leg->cdr = new_cdr(run.owner, "out");
  leg->cdr.dialplan = run.dialplan;
  leg->cdr.call_id = leg->call_id;
  leg->cdr.bridge_id = call->cdr.bridge_id;
  leg->cdr.account = !leg->account.empty() ? leg->account : leg->target.provider;
  leg->cdr.dst_uri = leg->target.request_uri;
  if (auto u = uri::parse_uri(leg->target.request_uri)) {
    leg->cdr.dst_user = str(u->user);
    leg->cdr.dst_host = str(u->host);
  }
  leg->cdr.from_user = leg->target.from_user;
  leg->cdr.from_name = leg->target.from_display;
  leg_index[dialog_key(leg->call_id, leg->from_tag)] = {cid, lid};

  if (leg->target.route) {
    leg->dest = *leg->target.route;
    leg->via_host = via_host_for(leg->dest.kind, leg->target.local);
    leg->state = LegState::Resolving;
    return send_leg_invite(*call, *leg, msg::Message{});
  }
  // Provider and URI legs: locate the next hop (RFC 3263).
  leg->state = LegState::Resolving;
  auto hop = uri::parse_uri(leg->target.next_hop);
  if (!hop || !hop->is_sip()) return leg_failed(*call, *leg, 416, "Unsupported URI Scheme");
  if (svc.resolver == nullptr) {
    // Services::resolver may be null: a numeric host needs no lookup (RFC
    // 3263 4.1/4.2), anything else cannot be placed.
    const auto query = dns::query_from_uri(*hop);
    const auto t = query ? dns::numeric_target(*query) : std::nullopt;
    if (!t) return leg_failed(*call, *leg, 503, "No DNS resolver");
    leg->dest.kind = t->kind;
    leg->dest.address = t->address;
    leg->dest.tls_name = t->tls_name;
    leg->via_host = via_host_for(t->kind, {});
    pin_provider_flow(*call, *leg);
    return send_leg_invite(*call, *leg, msg::Message{});
  }
  std::weak_ptr<int> token = alive;
  svc.resolver->resolve(*hop, [this, token, cid, lid](Result<std::vector<dns::Target>> r) {
    if (token.expired()) return;
    Call* c = find_call(cid);
    if (c == nullptr) return;
    Leg* l = find_leg(*c, lid);
    if (l == nullptr || l->state != LegState::Resolving) return;
    if (!r || r->empty()) return leg_failed(*c, *l, 604, "Does Not Exist Anywhere");
    const dns::Target& t = r->front();
    l->dest.kind = t.kind;
    l->dest.address = t.address;
    l->dest.tls_name = t.tls_name;
    l->via_host = via_host_for(t.kind, {});
    pin_provider_flow(*c, *l);
    send_leg_invite(*c, *l, msg::Message{});
  });
}

void CallManager::Impl::pin_provider_flow(const Call& call, Leg& leg) {
  if (leg.target.kind != routing::LegKind::Provider || !svc.provider_flow) return;
  if (leg.plan >= call.plans.size()) return;
  auto o = svc.provider_flow(call.plans[leg.plan].owner, leg.target.provider);
  if (!o || o->kind != leg.dest.kind || !(o->remote == leg.dest.address)) return;
  leg.dest.flow = o->flow;
  leg.via_host = via_host_for(o->kind, o->local.to_string());
}

void CallManager::Impl::cancel_leg(CallId cid, std::size_t plan, std::size_t index,
                                   std::string_view why) {
  Call* call = find_call(cid);
  if (call == nullptr || plan >= call->plans.size()) return;
  const std::size_t dial = call->plans[plan].runner ? call->plans[plan].runner->dial_count() : 0;
  for (auto& leg : call->legs)
    if (leg->plan == plan && leg->dial == dial && leg->index == index) return stop_leg(*leg, why);
  // A loop-back leg: its execution stops.
  for (std::size_t i = 1; i < call->plans.size(); ++i) {
    PlanRun& child = call->plans[i];
    if (child.parent == plan && child.parent_dial == dial && child.parent_leg == index &&
        !child.finished && child.runner) {
      child.finished = true;
      child.runner->cancel(why);
      return;
    }
  }
}

void CallManager::Impl::stop_leg(Leg& leg, std::string_view why) {
  switch (leg.state) {
    case LegState::Calling:
    case LegState::Ringing: (void)svc.layer->send_cancel(leg.txn); [[fallthrough]];
    case LegState::Resolving:
      leg.state = LegState::Cancelled;
      leg.cdr.answer_status = 487;
      leg.cdr.answer_reason = "Request Terminated";
      leg.cdr.hungup_at = now_ms();
      leg.cdr.hangup_reason = str(why);
      write_cdr(leg.cdr);
      break;
    case LegState::Waiting: leg.state = LegState::Cancelled; break;
    default: break;
  }
}

void CallManager::Impl::send_leg_invite(Call& call, Leg& leg, msg::Message retry) {
  // What the leg offers: the caller's INVITE, or a transfer's offer (the
  // transferee's session).
  const PlanRun& root = call.plans[root_of(call, leg.plan)];
  const msg::Message* offer = root.offer ? &*root.offer : call.invite ? &*call.invite : nullptr;
  if (offer == nullptr) return;  // the call is past routing (confirmed)
  const msg::Message& m = *offer;
  const bool transferee_a = root.transfer_root && call.transfer && !call.transfer->referrer_is_a;
  const Side& offerer = !root.transfer_root || transferee_a ? call.a : call.b;
  msg::Message request;
  if (!retry.bytes().empty()) {
    request = std::move(retry);
  } else {
    auto b = msg::MessageBuilder::request("INVITE", leg.target.request_uri);
    b.header("Via", "SIP/2.0/" + str(transport::kind_name(leg.dest.kind)) + " " + leg.via_host +
                        ";rport;branch=" + make_branch());
    b.header("Max-Forwards", "70");
    const std::string from = routing::render_from(leg.target) + ";tag=" + leg.from_tag;
    b.header("From", from);
    b.header("To", leg.target.to);
    b.header("Call-ID", leg.call_id);
    b.header("CSeq", std::to_string(leg.cseq) + " INVITE");
    Side tmp;
    tmp.via_host = leg.via_host;
    tmp.kind = leg.dest.kind;
    b.header("Contact", contact_for(tmp));
    b.header("User-Agent", config.server_name);
    b.header("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, MESSAGE");
    for (const auto& h : leg.target.headers) {
      const auto colon = h.find(':');
      std::string_view v(h);
      v.remove_prefix(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      b.header(std::string_view(h).substr(0, colon), v);
    }
    const std::string_view ctype = m.value(msg::HeaderId::ContentType);
    if (!m.body().empty() || !ctype.empty()) {
      const bool mangle = leg.target.options.mangle && offerer.mangle &&
                          !(!call.network_id.empty() && call.network_id == leg.network_id);
      std::optional<std::string> body;
      if (mangle) body = mangle_sdp(ctype, m.body(), offerer.source_ip);
      b.body(ctype.empty() ? std::string_view("application/sdp") : ctype,
             body ? std::string_view(*body) : m.body());
    }
    auto built = b.build();
    if (!built) return leg_failed(call, leg, 500, "Cannot build INVITE");
    request = std::move(*built);
  }
  leg.invite = request.clone();
  if (auto cs = request.cseq()) leg.cseq = cs->number;
  if (leg.cdr.from_header.empty()) {
    leg.cdr.from_header = str(request.value(msg::HeaderId::From));
    leg.cdr.local_socket = socket_text(leg.dest.kind, leg.via_host);
    leg.cdr.remote_socket = socket_text(leg.dest.kind, leg.dest.address.to_string());
    emit_leg(svc.events, call, leg, "dialled", 0, {});
  }
  const CallId cid = call.id;
  const LegId lid = leg.id;
  std::weak_ptr<int> token = alive;
  txn::ClientEvents ev;
  ev.on_response = [this, token, cid, lid, dest = leg.dest, via = leg.via_host,
                    cseq = leg.cseq](const msg::Message& r) {
    if (token.expired()) return;
    Call* c = find_call(cid);
    if (c == nullptr || find_leg(*c, lid) == nullptr) {
      if (r.status() >= 200 && r.status() < 300) orphan_2xx(r, dest, via, cseq);
      return;
    }
    on_leg_response(cid, lid, r);
  };
  ev.on_timeout = [this, token, cid, lid] {
    if (token.expired()) return;
    Call* c = find_call(cid);
    if (c == nullptr) return;
    if (Leg* l = find_leg(*c, lid); l != nullptr && l->state <= LegState::Ringing)
      leg_failed(*c, *l, 408, "Request Timeout");
  };
  ev.on_transport_error = [this, token, cid, lid](const Error&) {
    if (token.expired()) return;
    Call* c = find_call(cid);
    if (c == nullptr) return;
    if (Leg* l = find_leg(*c, lid); l != nullptr && l->state <= LegState::Ringing)
      leg_failed(*c, *l, 503, "Service Unavailable");
  };
  leg.state = LegState::Calling;
  write_cdr(leg.cdr);
  auto id = svc.layer->send_request(std::move(request), leg.dest, std::move(ev));
  // Events may have run synchronously: look the leg up again.
  Call* c = find_call(cid);
  if (c == nullptr) return;
  Leg* l = find_leg(*c, lid);
  if (l == nullptr) return;
  if (!id) {
    if (l->state <= LegState::Ringing) leg_failed(*c, *l, 503, "Service Unavailable");
    return;
  }
  l->txn = *id;
}

void CallManager::Impl::on_leg_response(CallId cid, LegId lid, const msg::Message& r) {
  Call* call = find_call(cid);
  if (call == nullptr) return;
  Leg* leg = find_leg(*call, lid);
  if (leg == nullptr) return;
  const int status = r.status();
  if (status < 200) {
    if (status == 100 || leg->state > LegState::Ringing) return;
    leg->state = LegState::Ringing;
    if (leg->cdr.progress_at == 0) {
      leg->cdr.progress_at = now_ms();
      leg->cdr.progress_status = status;
      leg->cdr.progress_reason = str(r.reason());
    }
    if (dialer::Forker* f = forker_of(*call, *leg)) f->leg_ringing(leg->index);
    if (call->transfer && call->transfer->notify && !call->transfer->progress_sent &&
        root_of(*call, leg->plan) == call->transfer->plan) {
      call->transfer->progress_sent = true;
      notify_referrer(*call, status, r.reason(), false);
      return;
    }
    return relay_provisional(*call, *leg, r);
  }
  if (status < 300) {
    if (leg->state == LegState::Answered) {
      // A retransmitted 2xx: our ACK got lost (or, for a callback's first
      // destination, is not sent yet).
      if (!call->ack_b.empty() && call->winner == leg->id)
        svc.sender->send(leg->dest, call->ack_b, {});
      if (call->callback && !call->ack_a.empty() && !call->plans[leg->plan].callback_second &&
          r.call_id() == call->a.call_id)
        svc.sender->send(leg->dest, call->ack_a, {});
      return;
    }
    if (leg->state != LegState::Cancelled && leg->state != LegState::Failed &&
        accepts_answer(*call, *leg)) {
      const std::size_t plan = leg->plan, dial = leg->dial, index = leg->index;
      if (call->callback)
        callback_answered(*call, *leg, r);
      else if (call->state == CallState::Confirmed)
        transfer_answered(*call, *leg, r);
      else
        answer(*call, *leg, r);
      return report_answer(cid, plan, dial, index);
    }
    // Late or extra 2xx: acknowledge it and hang that dialog up.
    return orphan_2xx(r, leg->dest, leg->via_host, leg->cseq);
  }
  if (leg->state > LegState::Ringing) return;
  // One digest retry with the provider's credentials.
  if ((status == 401 || status == 407) && !leg->auth_tried && !leg->target.auth_user.empty() &&
      leg->invite) {
    leg->auth_tried = true;
    auto creds = auth::Credentials::with_password(leg->target.auth_user, leg->target.auth_password);
    auto retry = leg->auth.retry(*leg->invite, r, creds);
    if (retry) {
      leg->state = LegState::Resolving;
      return send_leg_invite(*call, *leg, std::move(*retry));
    }
  }
  std::string contact, response;
  if (status >= 300 && status < 400) {
    if (auto c = r.value(msg::HeaderId::Contact); !c.empty()) {
      if (auto cv = msg::parse_contact(c)) contact = str(cv->addr.uri.text);
    }
    if (!contact.empty()) response = str(std::string_view(r.bytes()));
  }
  leg_failed(*call, *leg, status, r.reason(), std::move(contact), std::move(response));
}

void CallManager::Impl::leg_failed(Call& call, Leg& leg, int status, std::string_view reason,
                                   std::string contact, std::string response) {
  if (leg.state == LegState::Failed || leg.state == LegState::Cancelled) return;
  leg.state = LegState::Failed;
  leg.status = status;
  leg.reason = str(reason);
  leg.cdr.answer_status = status;
  leg.cdr.answer_reason = str(reason);
  leg.cdr.hungup_at = now_ms();
  leg.cdr.hangup_reason = "failed";
  write_cdr(leg.cdr);
  emit_leg(svc.events, call, leg, "failed", status, reason);
  if (dialer::Forker* f = forker_of(call, leg))
    f->leg_failed(leg.index,
                  dialer::LegEnd{status, str(reason), std::move(contact), std::move(response)});
}

}  // namespace sip::b2bua
