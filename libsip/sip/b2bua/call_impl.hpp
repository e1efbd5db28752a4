// Private to the b2bua's .cpp files: calls, legs and dialog sides, and the
// CallManager::Impl that owns them. Thread-safety: core thread only.
// Ownership: Impl owns every Call (by id) and every Call owns its Legs;
// callbacks hold ids plus a weak `alive` token, never pointers.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sip/auth/nonce_uses.hpp"
#include "sip/b2bua/call_manager.hpp"
#include "sip/b2bua/sdp_nat.hpp"
#include "sip/dialer/directory_host.hpp"
#include "sip/dialer/runner.hpp"
#include "sip/dialplan/execution.hpp"
#include "sip/dialplan/host.hpp"
#include "sip/dialplan/limiter.hpp"
#include "sip/routing/router.hpp"
#include "sip/ua/auth_retry.hpp"

namespace sip::b2bua {

using CallId = std::uint64_t;
using LegId = std::uint64_t;

// One side of the bridged call as a dialog (RFC 3261 12): the caller's
// (we are its UAS) or the answering leg's (we are its UAC).
struct Side {
  std::string call_id;
  std::string local;   // our From/To header value, with our tag
  std::string remote;  // theirs, with their tag
  std::string local_tag;
  std::string remote_tag;
  std::string remote_target;  // request-URI of in-dialog requests
  std::vector<std::string> route_set;
  std::uint32_t local_cseq = 1;
  transport::Destination dest;
  transport::Kind kind = transport::Kind::Udp;
  std::string via_host;   // our "ip:port" for Via and Contact
  std::string source_ip;  // peer's address (SDP NAT mangling)
  bool mangle = true;
  bool hung_up = false;
  // The last session description this party sent (a transfer offers it to
  // the new party).
  std::string sdp_type;
  std::string sdp;
  std::string cdr_id;  // this party's record (Call::cdr, a leg's, or adopted)
  // Set once this party's partner changed: the o= identity continued in
  // what it is sent (sdp_nat.hpp). Shared by copies of the side.
  std::shared_ptr<OriginContinuity> origin;
};

enum class LegState : std::uint8_t {
  Waiting,
  Resolving,
  Calling,
  Ringing,
  Answered,
  Failed,
  Cancelled
};

struct Leg {
  LegId id = 0;
  // Which execution of the call placed it (index into Call::plans), which
  // of its Dials (Runner::dial_count) and which leg of that Dial.
  std::size_t plan = 0;
  std::size_t dial = 0;
  std::size_t index = 0;
  // The called account of a binding leg, copied at creation (the leg's
  // CDR and SDP handling read these; target.account is cleared).
  std::string account;       // "user@domain"; empty for provider/URI legs
  std::string network_id;    // the called account's network id
  bool dont_mangle = false;  // the called account keeps its SDP as it is
  routing::ResolvedLeg target;
  LegState state = LegState::Waiting;
  txn::ClientId txn{};
  std::optional<msg::Message> invite;  // last INVITE sent (CANCEL, auth retry, ACK)
  std::string call_id;
  std::string from_tag;
  std::uint32_t cseq = 1;
  transport::Destination dest;
  std::string via_host;
  std::string source_ip;
  ua::AuthSession auth;
  bool auth_tried = false;
  int status = 0;
  std::string reason;
  store::Cdr cdr;
};

// A relayed in-dialog transaction awaiting its response.
struct Relay {
  txn::ServerId origin{};
  bool from_caller = true;
};

enum class CallState : std::uint8_t { Routing, Answered, Confirmed, Ended };

class CallPort;

// One dial plan execution of a call and the driver side it talks to.
struct PlanRun {
  std::unique_ptr<CallPort> port;
  std::unique_ptr<dialer::Runner> runner;
  store::Id owner = 0;  // whose plan (loop-backs may run another customer's)
  std::string owner_name;
  std::string dialplan;
  std::size_t depth = 0;  // loop-backs: how many plans deep
  // Loop-backs: the execution and leg that started this one.
  std::size_t parent = 0;
  std::size_t parent_dial = 0;
  std::size_t parent_leg = 0;
  bool finished = false;
  // A transfer execution (the owner's `transfer` plan): a root like [0],
  // whose legs offer `offer`'s body (the transferee's session) instead of
  // the caller's INVITE, and whose answer replaces the referrer.
  bool transfer_root = false;
  // The second execution of a callback (callback.cpp): a root whose answer
  // bridges the call.
  bool callback_second = false;
  std::optional<msg::Message> offer;
};

// A blind transfer in progress (docs/transfers.md): the transferee stays,
// the referrer leaves when the `transfer` plan's leg answers.
struct Transfer {
  std::size_t plan = 0;        // the transfer execution in Call::plans
  bool referrer_is_a = false;  // which side leaves
  bool notify = false;         // a REFER: NOTIFY the referrer of the progress
  bool progress_sent = false;  // a 180 was notified
};

// An INVITE with Replaces (replaces.cpp) waiting for the replaced party's
// partner to answer our re-INVITE with the new party's offer.
struct Replacing {
  txn::ServerId uas{};  // the new party's INVITE transaction
  msg::Message invite;  // its INVITE
  Side side;            // its dialog (we are the UAS), becomes side A
  bool replaced_is_a = false;
  bool ack_later = false;  // offerless INVITE: the partner's ACK carries the answer
  std::uint32_t cseq = 0;  // of our re-INVITE to the partner
  store::Cdr cdr;          // the new party's record
};

struct Call {
  CallId id = 0;
  // What this call's plans and dial strings look up: the Directory version
  // current when the call arrived (kept for the call's lifetime, so a
  // reload or an edit during the call changes nothing under it), the
  // registrar's bindings and the call counts.
  std::unique_ptr<dialer::DirectoryHost> lookups;
  CallState state = CallState::Routing;
  txn::ServerId uas{};                 // the caller's INVITE transaction
  std::optional<msg::Message> invite;  // the caller's INVITE
  transport::Origin origin;
  std::string to_tag;  // our tag towards the caller
  store::Id owner = 0;
  std::string owner_name;
  store::Id account_id = 0;  // Out: caller's account; In: called account
  std::string network_id;    // of the calling account (Out)
  std::string dialplan;
  dialplan::Direction direction = dialplan::Direction::In;
  dialplan::ExecutionLimiter::Ticket ticket;
  // The dial plan executions: [0] the caller's; more for loop-back legs
  // into a called account's own in dial plan.
  std::vector<PlanRun> plans;
  // Legs of every Dial of this call (earlier ones may still see late
  // responses).
  std::vector<std::unique_ptr<Leg>> legs;
  int dial_answered_limit = 0;  // of the Dial that answered
  // The bridge.
  LegId winner = 0;
  Side a;                          // caller
  Side b;                          // answering leg
  std::optional<msg::Message> ok;  // our 2xx to the caller (retransmissions)
  TimerId ok_timer = 0;
  Duration ok_interval{0};
  Duration ok_elapsed{0};
  TimerId duration_timer = 0;
  std::uint32_t pending_ack_cseq_b = 0;  // re-INVITE 2xx from B awaiting the caller's ACK
  std::uint32_t pending_ack_cseq_a = 0;  // re-INVITE 2xx from A awaiting B's ACK
  std::string ack_b;                     // our ACK for B's 2xx (resent on retransmissions)
  std::map<std::uint64_t, Relay> relays;
  store::Cdr cdr;  // the caller's leg ("in")
  bool provisional_sent = false;
  std::optional<Transfer> transfer;
  // NOTIFYs to a referrer go one at a time, in CSeq order (each after the
  // previous one's transaction ended): a phone never sees them reordered.
  struct QueuedNotify {
    msg::Message request;
    transport::Destination dest;
    std::function<void()> then;
  };
  // A list, not a deque: an empty std::deque allocates (memory per call).
  std::list<QueuedNotify> notifies;
  bool notify_in_flight = false;
  // Dialogs of parties transferred away: a late BYE on them gets 200.
  std::vector<std::string> retired;
  // A callback (callback.cpp): no caller; the first destination's answer
  // (its offer, not yet ACKed) waits for the second's.
  bool callback = false;
  std::string callback_second;  // the second dial string
  std::uint32_t callback_first_cseq = 0;
  std::string ack_a;  // our ACK of the first destination's 2xx (resent on retransmissions)
  // Records of parties joined in from another call (join.cpp): still
  // running, finished when this call ends.
  std::vector<store::Cdr> adopted;
  std::unique_ptr<Replacing> replacing;  // rare: kept out of line (memory per call)
  // Counted by Impl::limiter_out (an outgoing call, or a callback with no
  // account) until erase_call.
  bool limited = false;
  store::Id limited_account = 0;
};

struct CallManager::Impl final {
  Impl(Services s, Config c);
  ~Impl();

  // ---- call_manager.cpp: intake, the end of a call
  void on_invite(txn::ServerTransaction txn, transport::Inbound&& in);
  // A final non-2xx to a new INVITE before any call exists (counted,
  // with our To tag and Server header).
  void reject_invite(txn::ServerTransaction& txn, const msg::Message& m, int status,
                     std::string_view reason);
  void respond_caller(Call& call, int status, std::string_view reason,
                      const std::vector<std::string>& headers = {});
  void end_call(Call& call, std::string_view reason);
  // The service ends `call` (operator, shutdown): a call still routing has
  // its legs cancelled and the caller gets `status` `reason`; then end_call.
  void end_by_service(Call& call, int status, std::string_view reason, std::string_view why);
  // Cancels every execution and leg of a call still routing (no response).
  void stop_routing(Call& call, std::string_view why);
  Call* find_call(CallId id);
  Call* find_call_by_uas(txn::ServerId id);
  void erase_call(CallId id);
  dialplan::CallContext make_context(const Call& call, const msg::Message& m,
                                     const store::SipAccount& account);
  std::shared_ptr<const dialplan::CompiledPlan> plan_for(const store::DialPlan& plan,
                                                         dialplan::Diagnostic* error);

  // ---- plans.cpp: executions (dialer::Runner) and their RunnerPort
  // Starts execution `index` of `call` (already in Call::plans).
  void start_plan(Call& call, std::size_t index, std::shared_ptr<const dialplan::CompiledPlan> plan,
                  dialplan::CallContext ctx, routing::ResolveInput base);
  // A loop-back leg: runs the called account's in dial plan as a child.
  void start_loopback(Call& call, std::size_t plan, std::size_t index);
  void finish_plan(CallId cid, std::size_t plan, const dialplan::Done& done,
                   const dialer::CallerResponse& caller);
  void plan_provisional(CallId cid, std::size_t plan, const dialplan::Respond& r);
  std::optional<dialplan::ActionResult> plan_perform(CallId cid, std::size_t plan,
                                                     const dialplan::Action& action);
  routing::ResolveInput resolve_base(const msg::Message& m, store::Id owner);

  // ---- dial.cpp: legs
  void place_leg(CallId cid, std::size_t plan, std::size_t index);
  void cancel_leg(CallId cid, std::size_t plan, std::size_t index, std::string_view why);
  void send_leg_invite(Call& call, Leg& leg, msg::Message invite);
  // A provider leg resolved to the address the provider's registration
  // uses: it leaves through that registration's flow (same local socket or
  // connection: the provider's NAT pinhole), its Via naming that socket.
  void pin_provider_flow(const Call& call, Leg& leg);
  void on_leg_response(CallId cid, LegId lid, const msg::Message& r);
  // The leg ended without answering: CDR, then the Dial that placed it.
  void leg_failed(Call& call, Leg& leg, int status, std::string_view reason,
                  std::string contact = {}, std::string response = {});
  // CANCEL (when it was sent) and the leg's CDR.
  void stop_leg(Leg& leg, std::string_view why);
  // The running Dial that placed `leg`, or null when that Dial is over.
  dialer::Forker* forker_of(Call& call, const Leg& leg);
  // True when a 2xx on `leg` wins: its Dial runs and so do the Dials of the
  // loop-backs above it.
  bool accepts_answer(Call& call, const Leg& leg);
  // Reports the bridged answer to the Dial of `leg` (and up the loop-backs).
  void report_answer(CallId cid, std::size_t plan, std::size_t dial, std::size_t index);
  void answer(Call& call, Leg& leg, const msg::Message& r);
  void relay_provisional(Call& call, Leg& leg, const msg::Message& r);
  Leg* find_leg(Call& call, LegId id);
  // A 2xx for a leg whose call or Dial is gone: ACK it and hang it up.
  void orphan_2xx(const msg::Message& r, const transport::Destination& dest,
                  const std::string& via_host, std::uint32_t cseq);

  // ---- dialog.cpp: the bridged call
  void on_in_dialog(txn::ServerTransaction txn, transport::Inbound&& in);
  void on_ack(transport::Inbound&& in);
  void on_stray_response(transport::Inbound&& in);
  Result<msg::Message> build_in_dialog(Side& side, std::string_view method, std::uint32_t cseq,
                                       std::string_view content_type, std::string_view body,
                                       const std::vector<std::string>& extra = {});
  void send_bye(Side& side);
  std::string send_ack(Side& side, std::uint32_t cseq, std::string_view content_type,
                       std::string_view body);
  void retransmit_ok(CallId id);
  void index_dialogs(Call& call);
  void unindex_dialogs(Call& call);
  std::string contact_for(const Side& side) const;
  // The dialog with the sender of an out-of-dialog INVITE `m` (we are its
  // UAS, `tag` our To tag); mangle on, no record.
  Side caller_side(const msg::Message& m, const transport::Origin& origin,
                   const std::string& tag) const;

  // ---- auth.cpp
  // Counts a failed INVITE authentication from `ip` in the engine's guard.
  void note_auth_failure(std::string_view ip);
  enum class AuthResult : std::uint8_t { Ok, Challenge, Stale, Fail };
  AuthResult authenticate(const transport::Inbound& in, const store::SipAccount& account,
                          std::string_view realm);
  void challenge(txn::ServerTransaction& txn, const msg::Message& m, std::string_view realm,
                 bool stale);

  // ---- cdr.cpp
  void write_cdr(const store::Cdr& cdr);
  // Fills the derived durations; counts.
  store::Cdr finished_cdr(const store::Cdr& cdr);
  store::Cdr new_cdr(store::Id owner, std::string_view direction) const;
  std::int64_t now_ms() const;
  // "udp:127.0.0.1:5060" (lower-case transport, as CDRs store sockets).
  static std::string socket_text(transport::Kind kind, std::string_view address);
  void event(const Call& call, CallEvent::Kind kind, int status, std::string_view reason);

  // ---- transfer.cpp: blind transfers (REFER tr=c, call.blindtransfer)
  // A REFER on a bridged call whose dial string consumes transfers.
  void on_refer(Call& call, bool from_a, txn::ServerTransaction& txn, const msg::Message& m);
  // A REFER whose Refer-To carries Replaces (`replaces`, unescaped): the
  // referrer's two partners are joined (same owner only).
  void attended_refer(Call& call, bool from_a, txn::ServerTransaction& txn,
                      const std::string& replaces);
  // Runs the owner's `transfer` plan for `target_uri`, offering the
  // transferee's session; empty, or why the transfer cannot start.
  std::string start_transfer(Call& call, bool transferee_is_a, std::string_view target_uri,
                             bool notify);
  void transfer_answered(Call& call, Leg& leg, const msg::Message& r);
  void transfer_plan_done(CallId cid, std::size_t plan, const dialplan::Done& done,
                          const dialer::CallerResponse& caller);
  // NOTIFY (RFC 3515) of the REFER's progress: "SIP/2.0 <status> <reason>".
  // `then` runs when the NOTIFY's transaction ends (any final response,
  // timeout, transport error), or at once when none was sent.
  void notify_referrer(Call& call, int status, std::string_view reason, bool final,
                       std::function<void()> then = {});
  // BYE for a party transferred away (a copy of its side), unless it hung up
  // itself meanwhile (its retired dialog `key` is gone then).
  void bye_retired(Side gone, const std::string& key);
  // Sends the first queued NOTIFY of `cid` when none is in flight.
  void next_notify(CallId cid);
  // The root execution of `plan` (0 or a transfer) above its loop-backs.
  std::size_t root_of(const Call& call, std::size_t plan) const;
  // Side B's dialog from a leg's 2xx.
  Side side_from_answer(const Leg& leg, const msg::Message& r) const;
  // A re-INVITE to one party with `body` as the offer (none when empty).
  // `done` gets the final response (null on timeout or transport error);
  // with `ack_later` a 2xx is not ACKed here (the caller sends the ACK,
  // with the answer). Returns the CSeq used, 0 when nothing was sent.
  std::uint32_t send_reinvite(Call& call, bool to_a, std::string_view content_type,
                              std::string_view body,
                              std::function<void(const msg::Message*)> done = {},
                              bool ack_later = false);
  // The last session `from` sent, as party `to` is given it (NAT-mangled
  // when both sides allow it).
  static std::string session_for(const Side& to, const Side& from);
  // `to`'s partner was `old_peer` and changes now: what `to` is sent from
  // here on continues the o= line it saw (no-op when already continued).
  static void keep_origin(Side& to, const Side& old_peer);
  // `body` as party `to` gets it (o= continued once its partner changed).
  static std::string for_party(Side& to, std::string_view body);

  // ---- replaces.cpp: INVITE with Replaces (RFC 3891)
  // `owner`: the customer of the authenticated calling account, or 0 for a
  // caller from outside (honoured only when we relayed a REFER naming the
  // dialog to that address). The new party takes the replaced party's place.
  void on_replacing_invite(txn::ServerTransaction& txn, transport::Inbound& in, store::Id owner,
                           const store::SipAccount* account);
  void replacing_answered(CallId cid, const msg::Message* r);
  // The bridged dialog a Replaces value names (Call-ID and both tags), as
  // (call, is side A).
  std::optional<std::pair<CallId, bool>> find_replaced(const msg::Replaces& r);
  // A REFER relayed (tr=p) to `recipient` whose Refer-To names a dialog of
  // the same customer: the INVITE with Replaces that follows is expected.
  void expect_replaces(const Call& call, const Side& recipient, const msg::Message& refer);

  // ---- callback.cpp: call.callback (third-party call control)
  std::string start_callback(store::Id owner, std::string_view first, std::string_view second,
                             std::uint64_t* id);
  void callback_answered(Call& call, Leg& leg, const msg::Message& r);
  void callback_second_done(CallId cid, const dialplan::Done& done);
  // An INVITE (not sent) whose From and body the legs of a callback use.
  Result<msg::Message> callback_offer(std::string_view from_user, std::string_view domain,
                                      std::string_view content_type, std::string_view body);
  std::string start_callback_plan(Call& call, std::string_view dial_string, msg::Message offer,
                                  bool second);

  // ---- join.cpp: two calls become one (call.dualtransfer, attended REFER)
  // Party `x_keep_a ? A : B` of `x` and party `y_keep_a ? A : B` of `y`
  // (both confirmed, no transfer running) are bridged in `x`: the other two
  // parties get BYE (their records end with `why`), each kept party a
  // re-INVITE with the other's session, and `y` ends. Empty, or why not.
  // With `bye_x_leaving` false, the party leaving `x` is not sent a BYE
  // (the caller does it, after telling it something).
  std::string join_calls(Call& x, bool x_keep_a, Call& y, bool y_keep_a, std::string_view why,
                         bool bye_x_leaving = true);
  // The record of party A (the call's own) or B (the answering leg's).
  store::Cdr* party_cdr(Call& call, bool a);
  store::Cdr* cdr_by_id(Call& call, const std::string& id);

  // ---- helpers
  const Services::Listener* listener_for(transport::Kind kind) const;
  std::string via_host_for(transport::Kind kind, const std::string& hint) const;

  Services svc;
  Config config;
  Stats stats;
  dialplan::ExecutionLimiter limiter;
  dialer::FraudGuard fraud;  // one for every call: its rate limit is per customer
  CallLimiter limiter_out;   // outgoing calls per account and customer
  // Refuses a new outgoing call over the limits: the status to answer (0 =
  // admitted, counted until erase_call), with a warning and a console event.
  int admit_outgoing(store::Id account, const std::string& account_name, store::Id owner,
                     const std::string& owner_name, std::string* reason);
  std::int64_t limit_logged_at = 0;  // ms of the last refusal logged
  std::uint64_t limit_unlogged = 0;  // refusals since, not logged
  std::unordered_map<CallId, std::unique_ptr<Call>> calls;
  std::unordered_map<std::uint64_t, CallId> by_uas;                  // ServerId -> call
  std::unordered_map<std::string, std::pair<CallId, bool>> dialogs;  // callid\ntag -> (call, is A)
  std::unordered_map<std::string, std::pair<CallId, LegId>> leg_index;  // callid\nfromtag -> leg
  std::unordered_map<std::string, CallId> retired;  // Call::retired keys -> call
  // Referrers whose BYE waits for their NOTIFY's answer (bye_retired), and
  // those of them that hung up themselves meanwhile (no BYE then). Kept
  // apart from `retired`: the call may end before the NOTIFY is answered.
  std::unordered_set<std::string> byes_pending;
  std::unordered_set<std::string> left_themselves;
  // Dialogs (dialog_key) named by a Replaces of a REFER we relayed: which
  // customer, to which address, until when (ms, now_ms()). Bounded.
  struct ExpectedReplaces {
    store::Id owner = 0;
    std::string ip;
    std::int64_t until = 0;
  };
  std::unordered_map<std::string, ExpectedReplaces> expected_replaces;
  struct CachedPlan {
    std::int64_t updated = 0;
    std::shared_ptr<const dialplan::CompiledPlan> plan;
    dialplan::Diagnostic error;
  };
  std::unordered_map<store::Id, CachedPlan> plan_cache;
  std::unordered_map<store::Id, std::size_t> calls_per_owner;
  // Lookups over `snapshot` (the same kind dry runs use): see Call::lookups.
  std::unique_ptr<dialer::DirectoryHost> make_lookups(directory::SnapshotPtr snapshot);
  CallId next_call = 1;
  LegId next_leg = 1;
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  std::string dummy_ha1[2];
  // INVITE digest replay guard per account (the registrar keeps its own for
  // REGISTER with the same rule).
  std::unordered_map<store::Id, auth::NonceUses> invite_nonce_uses;
};

// The RunnerPort of one execution of a call: forwards to the Impl with the
// call's id and the execution's index (a call that ended is not found).
class CallPort final : public dialer::RunnerPort {
 public:
  CallPort(CallManager::Impl& impl, CallId call, std::size_t plan, dialer::DirectoryHost& lookups)
      : impl_(impl), call_(call), plan_(plan), lookups_(lookups) {}
  routing::RouteSource& routes() override;
  void place_leg(std::size_t index) override;
  void cancel_leg(std::size_t index, std::string_view why) override;
  void provisional(const dialplan::Respond& respond) override;
  void log(const dialplan::Log& line) override;
  std::optional<dialplan::ActionResult> perform(const dialplan::Action& action) override;
  void finished(const dialplan::Done& done, const dialer::CallerResponse& caller) override;
  void dial_started(const dialplan::Dial& dial, const dialer::DialStart& start) override;

 private:
  CallManager::Impl& impl_;
  CallId call_;
  std::size_t plan_;
  dialer::DirectoryHost& lookups_;  // the call's; the call owns this port
};

std::string dialog_key(std::string_view call_id, std::string_view tag);
// The unescaped value of a "Replaces=" URI header in `uri_headers` (the part
// after '?'), or nullopt.
std::optional<std::string> replaces_of(std::string_view uri_headers);
// A REFER's Refer-To: the SIP URI without its embedded headers, and the
// Replaces among them (unescaped) when there is one. nullopt: no SIP URI.
struct ReferTarget {
  std::string uri;
  std::optional<std::string> replaces;
};
std::optional<ReferTarget> refer_target(const msg::Message& refer);

}  // namespace sip::b2bua
