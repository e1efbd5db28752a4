// Joining two calls into one (docs/transfers.md): the operator's
// call.dualtransfer (the far ends of two calls of one customer talk to each
// other) and an attended REFER consumed with tr=c (the referrer's two
// partners talk to each other). One call keeps running with the two kept
// parties; the other ends without a BYE to the party it gave away, whose
// record moves along (Call::adopted) so every party keeps one CDR.
#include <utility>

#include "sip/b2bua/call_impl.hpp"
#include "sip/b2bua/events.hpp"
#include "sip/base/log.hpp"

namespace sip::b2bua {
namespace {

constexpr const char* kLog = "b2bua";

std::string str(std::string_view v) {
  return std::string(v);
}

}  // namespace

store::Cdr* CallManager::Impl::party_cdr(Call& call, bool a) {
  return cdr_by_id(call, (a ? call.a : call.b).cdr_id);
}

store::Cdr* CallManager::Impl::cdr_by_id(Call& call, const std::string& id) {
  if (id.empty()) return nullptr;
  if (call.cdr.id == id) return &call.cdr;
  for (auto& l : call.legs)
    if (l->cdr.id == id) return &l->cdr;
  for (auto& r : call.adopted)
    if (r.id == id) return &r;
  return nullptr;
}

std::string CallManager::Impl::join_calls(Call& x, bool x_keep_a, Call& y, bool y_keep_a,
                                          std::string_view why, bool bye_x_leaving) {
  if (x.id == y.id) return "a call cannot be joined with itself";
  if (x.state != CallState::Confirmed || y.state != CallState::Confirmed)
    return "both calls must be established";
  if (x.transfer || y.transfer || x.replacing || y.replacing)
    return "a transfer of one of the calls is in progress";

  const std::int64_t now = now_ms();
  // The parties that leave: BYE, their records end.
  for (auto [call, keep_a] : {std::pair<Call*, bool>{&x, x_keep_a}, {&y, y_keep_a}}) {
    Side& leaving = keep_a ? call->b : call->a;
    if (store::Cdr* r = party_cdr(*call, !keep_a); r != nullptr && r->hungup_at == 0) {
      r->hungup_at = now;
      r->hangup_reason = str(why);
      write_cdr(*r);
    }
    if (!leaving.hung_up && (call == &y || bye_x_leaving)) send_bye(leaving);
  }

  // Each kept party's partner changes.
  keep_origin(x_keep_a ? x.a : x.b, x_keep_a ? x.b : x.a);
  keep_origin(y_keep_a ? y.a : y.b, y_keep_a ? y.b : y.a);
  // The kept party of y moves to x with its record.
  Side& moving = y_keep_a ? y.a : y.b;
  if (store::Cdr* r = party_cdr(y, y_keep_a)) {
    x.adopted.push_back(*r);
    r->id.clear();  // y no longer writes it
  }
  unindex_dialogs(x);
  unindex_dialogs(y);
  for (const Side* gone : {x_keep_a ? &x.b : &x.a, y_keep_a ? &y.b : &y.a}) {
    if (gone->call_id.empty()) continue;
    const std::string key = dialog_key(gone->call_id, gone->local_tag);
    retired[key] = x.id;
    x.retired.push_back(key);
  }
  for (auto& key : y.retired) {
    retired[key] = x.id;
    x.retired.push_back(std::move(key));
  }
  y.retired.clear();
  if (!x_keep_a) x.a = std::move(x.b);
  x.b = std::move(moving);
  moving = Side{};
  moving.hung_up = true;
  x.winner = 0;  // the answering leg of x may be gone; its dial string no longer applies
  x.ack_b.clear();
  x.pending_ack_cseq_a = 0;
  x.pending_ack_cseq_b = 0;
  index_dialogs(x);
  log(LogLevel::Info, kLog,
      x.owner_name + ": joined " + x.a.remote + " with " + x.b.remote + " (" + str(why) + ")");
  emit_call_note(svc.events, x, "joined", false,
                 x.a.remote + " joined with " + x.b.remote + " (" + str(why) + ")");

  // y ends (nothing left to hang up there).
  end_call(y, why);

  // Each kept party gets the other's session.
  const std::string to_a = session_for(x.a, x.b);
  const std::string to_b = session_for(x.b, x.a);
  const std::string type_a = x.b.sdp_type, type_b = x.a.sdp_type;
  const CallId xid = x.id;
  send_reinvite(x, true, type_a, to_a);
  if (Call* c = find_call(xid)) send_reinvite(*c, false, type_b, to_b);
  return {};
}

std::string CallManager::dual_transfer(std::uint64_t first, std::uint64_t second, store::Id owner) {
  Call* x = impl_->find_call(first);
  Call* y = impl_->find_call(second);
  auto visible = [owner](const Call* c) {
    return c != nullptr && c->state != CallState::Ended && (owner == 0 || c->owner == owner);
  };
  if (!visible(x)) return "no such call: " + std::to_string(first);
  if (!visible(y)) return "no such call: " + std::to_string(second);
  if (x->owner != y->owner) return "the calls belong to different customers";
  // The far end of each: the callee of an Out call, the caller of an In call.
  return impl_->join_calls(*x, x->direction == dialplan::Direction::In, *y,
                           y->direction == dialplan::Direction::In, "transferred");
}

}  // namespace sip::b2bua
