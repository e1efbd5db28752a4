// Callbacks (docs/transfers.md): third-party call control without a
// caller. The first destination is dialled with an INVITE without a session
// description; its 2xx carries an offer, which is not acknowledged yet: the
// second destination is dialled with that offer (its ring time capped below
// the first's 2xx retransmission window), and its answer goes to the first
// in our ACK (RFC 3725, flow I). Both dial strings run as dial string plans of
// the customer with guarded destinations (dialer/fraud_guard.hpp).
#include <utility>

#include "sip/b2bua/call_impl.hpp"
#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/dialplan/dialstring_plan.hpp"
#include "sip/message/builder.hpp"

namespace sip::b2bua {
namespace {

constexpr const char* kLog = "b2bua";
constexpr const char* kPlan = "callback";
// The first destination retransmits its 2xx for 64*T1 = 32 s waiting for
// our ACK: the second must answer well within that.
constexpr int kSecondRingSeconds = 25;

std::string str(std::string_view v) {
  return std::string(v);
}

// "300@provider[...]" -> "300"; the user the other party sees as caller.
std::string user_of(std::string_view dial_string) {
  const auto end = dial_string.find_first_of("@[&|");
  std::string_view u = dial_string.substr(0, end);
  if (u.rfind("sip:", 0) == 0) u.remove_prefix(4);
  std::string out;
  for (char c : u)
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
        c == '*' || c == '#' || c == '.' || c == '-' || c == '_')
      out.push_back(c);
  return out.empty() ? std::string("callback") : out;
}

}  // namespace

Result<msg::Message> CallManager::Impl::callback_offer(std::string_view from_user,
                                                       std::string_view domain,
                                                       std::string_view content_type,
                                                       std::string_view body) {
  const std::string uri = "sip:" + str(from_user) + "@" + str(domain);
  auto b = msg::MessageBuilder::request("INVITE", uri);
  b.header("Via", "SIP/2.0/UDP 127.0.0.1;branch=" + make_branch());
  b.header("From", "<" + uri + ">;tag=" + make_tag());
  b.header("To", "<" + uri + ">");
  b.header("Call-ID", make_call_id());
  b.header("CSeq", "1 INVITE");
  if (!body.empty())
    b.body(content_type.empty() ? std::string_view("application/sdp") : content_type, body);
  return b.build();
}

std::string CallManager::Impl::start_callback_plan(Call& call, std::string_view dial_string,
                                                   msg::Message offer, bool second) {
  dialplan::DialStringCompiler compiler;
  const dialplan::CompileResult compiled = compiler.compile(kPlan, dial_string);
  if (!compiled.plan)
    return "bad dial string \"" + str(dial_string) + "\": " + compiled.error.message;
  dialplan::CallContext ctx;
  ctx.direction = dialplan::Direction::Out;
  ctx.owner = call.owner_name;
  ctx.dialplan_name = kPlan;
  ctx.clock = svc.wall;
  ctx.host = call.lookups.get();
  ctx.transfer = true;  // guarded destinations, as transfer targets
  if (second) ctx.limits.max_ring_seconds = kSecondRingSeconds;
  routing::ResolveInput base = resolve_base(offer, call.owner);
  PlanRun run;
  run.owner = call.owner;
  run.owner_name = call.owner_name;
  run.dialplan = kPlan;
  run.callback_second = second;
  run.offer = std::move(offer);
  call.plans.push_back(std::move(run));
  start_plan(call, call.plans.size() - 1, compiled.plan, std::move(ctx), std::move(base));
  return {};
}

std::string CallManager::callback(store::Id owner, std::string_view first, std::string_view second,
                                  std::uint64_t* id) {
  return impl_->start_callback(owner, first, second, id);
}

std::string CallManager::Impl::start_callback(store::Id owner, std::string_view first,
                                              std::string_view second, std::uint64_t* id) {
  Impl& m = *this;
  if (first.empty() || second.empty()) return "both destinations are required";
  if (m.calls.size() >= m.config.max_calls) return "too many calls";
  directory::SnapshotPtr dir = m.svc.directory->snapshot();
  const store::Customer* customer = dir->customer(owner);
  if (customer == nullptr || customer->disabled) return "no such customer";
  const std::string domain(dir->default_domain());

  auto owned = std::make_unique<Call>();
  Call& call = *owned;
  call.id = m.next_call++;
  call.lookups = m.make_lookups(std::move(dir));
  call.owner = owner;
  call.owner_name = customer->username;
  call.dialplan = kPlan;
  call.direction = dialplan::Direction::Out;
  call.callback = true;
  call.callback_second = str(second);
  // No caller, so no record of its own: the two legs have theirs.
  call.cdr.bridge_id = random_token(32);
  call.cdr.owner_id = owner;
  call.cdr.created = m.now_ms();
  call.cdr.dst_uri = str(first);
  call.cdr.account = customer->username;
  auto offer = m.callback_offer(user_of(second), domain, {}, {});
  if (!offer) return "cannot build the callback request";
  std::string why;
  if (m.admit_outgoing(0, {}, owner, customer->username, &why) != 0) return why;
  call.limited = true;
  const CallId cid = call.id;
  ++m.calls_per_owner[owner];
  m.calls.emplace(cid, std::move(owned));
  m.event(call, CallEvent::Kind::Created, 0, {});
  log(LogLevel::Info, kLog, call.owner_name + ": callback " + str(first) + " then " + str(second));
  std::string error = m.start_callback_plan(call, first, std::move(*offer), false);
  if (!error.empty()) {
    if (Call* c = m.find_call(cid)) m.end_call(*c, "callback refused");
    return error;
  }
  if (id != nullptr) *id = cid;
  return {};
}

void CallManager::Impl::callback_answered(Call& call, Leg& leg, const msg::Message& r) {
  leg.state = LegState::Answered;
  leg.status = r.status();
  const std::int64_t now = now_ms();
  leg.cdr.answered_at = now;
  leg.cdr.answer_status = r.status();
  leg.cdr.answer_reason = str(r.reason());
  write_cdr(leg.cdr);
  const PlanRun& root = call.plans[root_of(call, leg.plan)];
  if (!root.callback_second) {
    // The first answered with its offer: keep its 2xx unacknowledged and
    // offer its session to the second.
    call.a = side_from_answer(leg, r);
    call.callback_first_cseq = leg.cseq;
    auto offer =
        callback_offer(user_of(call.cdr.dst_uri), call.lookups->snapshot().default_domain(),
                       call.a.sdp_type, call.a.sdp);
    std::string error =
        offer ? start_callback_plan(call, call.callback_second, std::move(*offer), true)
              : std::string("cannot build the second request");
    if (!error.empty()) {
      log(LogLevel::Info, kLog, call.owner_name + ": callback: " + error);
      send_ack(call.a, call.callback_first_cseq, {}, {});
      send_bye(call.a);
      end_call(call, "callback refused");
    }
    return;
  }
  // The second answered: its answer completes the first's offer.
  ++stats.answered;
  call.b = side_from_answer(leg, r);
  call.winner = leg.id;
  call.ack_b = send_ack(call.b, leg.cseq, {}, {});
  call.ack_a =
      send_ack(call.a, call.callback_first_cseq, call.b.sdp_type, session_for(call.a, call.b));
  call.state = CallState::Confirmed;
  call.cdr.answered_at = now;
  index_dialogs(call);
  event(call, CallEvent::Kind::Answered, 200, "OK");
  log(LogLevel::Info, kLog,
      call.owner_name + ": callback bridged " + call.a.remote + " and " + call.b.remote);
}

void CallManager::Impl::callback_second_done(CallId cid, const dialplan::Done& done) {
  Call* call = find_call(cid);
  if (call == nullptr || done.kind == dialplan::DoneKind::Answered ||
      call->state != CallState::Routing)
    return;
  // The first is answered and waits for our ACK: acknowledge, then hang up.
  if (!call->a.call_id.empty() && !call->a.hung_up) {
    send_ack(call->a, call->callback_first_cseq, {}, {});
    send_bye(call->a);
  }
  log(LogLevel::Info, kLog, call->owner_name + ": callback: the second destination did not answer");
  end_call(*call, "callback not answered");
}

}  // namespace sip::b2bua
