// The Dial action: resolving a dial string into legs, placing them stage by
// stage (with per-leg delays), following their responses (provider digest
// retry, 3xx redirects, the best final response of RFC 3261 16.7), and
// bridging the first 2xx to the caller.
#include <algorithm>
#include <utility>

#include "sip/b2bua/call_impl.hpp"
#include "sip/base/ci.hpp"
#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/dns/resolver.hpp"
#include "sip/message/builder.hpp"
#include "sip/uri/uri.hpp"

namespace sip::b2bua {
namespace {

constexpr const char* kLog = "b2bua";

std::string str(std::string_view v) {
  return std::string(v);
}

// RFC 3261 16.7 step 6: 6xx first, then the lowest class; within a class the
// first response kept. Returns true when `status` beats `best`.
bool better(int status, int best) {
  if (best == 0) return true;
  const int c = status / 100, bc = best / 100;
  if (bc == 6) return false;
  if (c == 6) return true;
  return c < bc;
}

std::string quote_display(std::string_view d) {
  std::string out = "\"";
  for (char ch : d) {
    if (ch == '"' || ch == '\\') out.push_back('\\');
    if (ch != '\r' && ch != '\n') out.push_back(ch);
  }
  out.push_back('"');
  return out;
}

}  // namespace

Leg* CallManager::Impl::find_leg(Call& call, LegId id) {
  for (auto& l : call.legs)
    if (l->id == id) return l.get();
  return nullptr;
}

void CallManager::Impl::start_dial(Call& call, const dialplan::Dial& dial) {
  if (call.state != CallState::Routing) {
    dialplan::DialResult r;
    r.outcome = dialplan::DialOutcome::AlreadyAnswered;
    return drive(call, call.execution->resume(std::move(r)));
  }
  const msg::Message& m = *call.invite;
  routing::ResolveInput in;
  in.dial = &dial;
  in.owner = call.owner;
  in.max_legs = config.max_legs;
  if (auto ruri = m.request_uri()) in.subst.dst = str(ruri->user);
  if (auto from = m.from()) {
    in.subst.from_name = str(from->display);
    in.subst.from_user = str(from->uri.user);
    in.subst.from_aor = str(from->uri.user) + "@" + str(from->uri.host);
    in.caller_display = str(from->display);
    in.caller_user = str(from->uri.user);
    in.caller_host = str(from->uri.host);
  }
  auto resolved = routing::resolve(in, *this);
  // Legs of an earlier Dial stay (late responses still find them).
  ++call.dial_seq;
  call.outcomes.clear();
  call.best_status = 0;
  call.best_reason.clear();
  call.redirect_uri.clear();
  call.dial_answered_limit = dial.answered_limit_seconds;
  if (!resolved) {
    log(LogLevel::Info, kLog,
        call.owner_name + ": bad dial string: " + resolved.error().to_string());
    return finish_dial(call, dialplan::DialOutcome::Error);
  }
  for (const auto& n : resolved->notes) log(LogLevel::Info, kLog, call.owner_name + ": " + n);
  for (const auto& d : resolved->dropped)
    log(LogLevel::Info, kLog, call.owner_name + ": leg " + d.destination + " dropped: " + d.reason);
  if (resolved->legs.empty()) return finish_dial(call, dialplan::DialOutcome::Failed);
  for (auto& target : resolved->legs) {
    auto leg = std::make_unique<Leg>();
    leg->id = next_leg++;
    leg->dial = call.dial_seq;
    if (const store::SipAccount* a = target.account) {
      leg->account = a->username + "@" + a->domain;
      leg->network_id = a->network_id;
    }
    target.account = nullptr;
    leg->target = std::move(target);
    call.legs.push_back(std::move(leg));
  }
  call.stages = resolved->stages;
  call.stage = 0;
  call.awaiting_dial = true;
  const CallId id = call.id;
  std::weak_ptr<int> token = alive;
  call.ring_timer =
      svc.timers->start(std::chrono::seconds(std::max(1, dial.ring_seconds)), [this, token, id] {
        if (token.expired()) return;
        Call* c = find_call(id);
        if (c == nullptr || !c->awaiting_dial) return;
        c->ring_timer = 0;
        cancel_legs(*c, 0, "ring timeout");
        finish_dial(*c, dialplan::DialOutcome::TimedOut);
      });
  // Skip leading stages without legs (all dropped).
  while (call.stage < call.stages &&
         std::none_of(call.legs.begin(), call.legs.end(), [&](const auto& l) {
           return l->dial == call.dial_seq && l->target.stage == call.stage;
         }))
    ++call.stage;
  start_stage(call);
}

void CallManager::Impl::start_stage(Call& call) {
  const CallId cid = call.id;
  std::vector<LegId> now;
  for (auto& leg : call.legs) {
    if (leg->dial != call.dial_seq || leg->target.stage != call.stage) continue;
    const auto delay = leg->target.options.delay.value_or(0);
    if (delay == 0) {
      now.push_back(leg->id);
      continue;
    }
    std::weak_ptr<int> token = alive;
    const LegId lid = leg->id;
    leg->delay_timer = svc.timers->start(std::chrono::seconds(delay), [this, token, cid, lid] {
      if (token.expired()) return;
      Call* c = find_call(cid);
      if (c == nullptr) return;
      if (Leg* l = find_leg(*c, lid)) l->delay_timer = 0;
      place_leg(cid, lid);
    });
  }
  for (LegId lid : now) place_leg(cid, lid);
}

void CallManager::Impl::place_leg(CallId cid, LegId lid) {
  Call* call = find_call(cid);
  if (call == nullptr || !call->awaiting_dial) return;
  Leg* leg = find_leg(*call, lid);
  if (leg == nullptr || leg->state != LegState::Waiting) return;
  ++stats.legs;
  leg->call_id = make_call_id();
  leg->from_tag = make_tag();
  leg->cdr = new_cdr(*call, "out");
  leg->cdr.dialplan = call->dialplan;
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
  if (svc.resolver == nullptr) return leg_failed(*call, *leg, 503, "No DNS resolver");
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
    send_leg_invite(*c, *l, msg::Message{});
  });
}

void CallManager::Impl::send_leg_invite(Call& call, Leg& leg, msg::Message retry) {
  if (!call.invite) return;  // the call is past routing (confirmed)
  const msg::Message& m = *call.invite;
  msg::Message request;
  if (!retry.bytes().empty()) {
    request = std::move(retry);
  } else {
    auto b = msg::MessageBuilder::request("INVITE", leg.target.request_uri);
    b.header("Via", "SIP/2.0/" + str(transport::kind_name(leg.dest.kind)) + " " + leg.via_host +
                        ";rport;branch=" + make_branch());
    b.header("Max-Forwards", "70");
    std::string from;
    if (!leg.target.from_display.empty()) from = quote_display(leg.target.from_display) + " ";
    from += "<sip:" + (leg.target.from_user.empty() ? std::string() : leg.target.from_user + "@") +
            leg.target.from_host + ">;tag=" + leg.from_tag;
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
      const bool mangle = leg.target.options.mangle && call.a.mangle &&
                          !(!call.network_id.empty() && call.network_id == leg.network_id);
      std::optional<std::string> body;
      if (mangle) body = mangle_sdp(ctype, m.body(), call.origin.remote.ip_string());
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
    return relay_provisional(*call, *leg, r);
  }
  if (status < 300) {
    if (leg->state == LegState::Answered) {
      // A retransmitted 2xx: our ACK got lost.
      if (!call->ack_b.empty() && call->winner == leg->id)
        svc.sender->send(leg->dest, call->ack_b, {});
      return;
    }
    if (call->state == CallState::Routing && call->awaiting_dial &&
        leg->state != LegState::Cancelled && leg->state != LegState::Failed)
      return answer(*call, *leg, r);
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
  if (status >= 300 && status < 400) {
    if (auto c = r.value(msg::HeaderId::Contact); !c.empty()) {
      if (auto cv = msg::parse_contact(c)) leg->redirect_contact = str(cv->addr.uri.text);
    }
  }
  leg_failed(*call, *leg, status, r.reason());
}

void CallManager::Impl::leg_failed(Call& call, Leg& leg, int status, std::string_view reason) {
  if (leg.state == LegState::Failed || leg.state == LegState::Cancelled) return;
  leg.state = LegState::Failed;
  leg.status = status;
  leg.reason = str(reason);
  leg.cdr.answer_status = status;
  leg.cdr.answer_reason = str(reason);
  leg.cdr.hungup_at = now_ms();
  leg.cdr.hangup_reason = "failed";
  write_cdr(leg.cdr);
  call.outcomes.push_back({leg.target.request_uri, status, str(reason)});
  if (better(status, call.best_status)) {
    call.best_status = status;
    call.best_reason = str(reason);
  }
  if (status >= 300 && status < 400 && !leg.redirect_contact.empty() && call.redirect_uri.empty())
    call.redirect_uri = leg.redirect_contact;
  check_stage(call);
}

void CallManager::Impl::check_stage(Call& call) {
  if (!call.awaiting_dial) return;
  for (const auto& l : call.legs)
    if (l->dial == call.dial_seq && l->target.stage == call.stage &&
        (l->state != LegState::Failed && l->state != LegState::Cancelled))
      return;  // still running (or waiting for its delay)
  // The stage failed: the next one with legs, or the Dial failed.
  while (++call.stage < call.stages) {
    if (std::any_of(call.legs.begin(), call.legs.end(), [&](const auto& l) {
          return l->dial == call.dial_seq && l->target.stage == call.stage;
        })) {
      start_stage(call);
      return;
    }
  }
  finish_dial(call, call.redirect_uri.empty() ? dialplan::DialOutcome::Failed
                                              : dialplan::DialOutcome::Redirect);
}

void CallManager::Impl::finish_dial(Call& call, dialplan::DialOutcome outcome) {
  call.awaiting_dial = false;
  if (call.ring_timer != 0) {
    svc.timers->cancel(call.ring_timer);
    call.ring_timer = 0;
  }
  dialplan::DialResult r;
  r.outcome = outcome;
  int status = call.best_status;
  if (status == 503) status = 500;                   // 16.7 step 6: a 503 is not passed on
  if (status == 401 || status == 407) status = 480;  // provider credentials are ours
  r.failure_status = outcome == dialplan::DialOutcome::TimedOut ? 480 : status;
  r.failure_reason = outcome == dialplan::DialOutcome::TimedOut ? "No answer" : call.best_reason;
  if (status != call.best_status) r.failure_reason.clear();
  r.redirect_uri = call.redirect_uri;
  r.legs = call.outcomes;
  drive(call, call.execution->resume(std::move(r)));
}

void CallManager::Impl::cancel_legs(Call& call, LegId except, std::string_view why) {
  const std::int64_t now = now_ms();
  for (auto& leg : call.legs) {
    if (leg->id == except) continue;
    if (leg->delay_timer != 0) {
      svc.timers->cancel(leg->delay_timer);
      leg->delay_timer = 0;
    }
    switch (leg->state) {
      case LegState::Calling:
      case LegState::Ringing: (void)svc.layer->send_cancel(leg->txn); [[fallthrough]];
      case LegState::Resolving:
        leg->state = LegState::Cancelled;
        leg->cdr.answer_status = 487;
        leg->cdr.answer_reason = "Request Terminated";
        leg->cdr.hungup_at = now;
        leg->cdr.hangup_reason = str(why);
        write_cdr(leg->cdr);
        break;
      case LegState::Waiting: leg->state = LegState::Cancelled; break;
      default: break;
    }
  }
}

}  // namespace sip::b2bua
