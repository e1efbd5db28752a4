// Private to the b2bua's .cpp files: calls, legs and dialog sides, and the
// CallManager::Impl that owns them. Thread-safety: core thread only.
// Ownership: Impl owns every Call (by id) and every Call owns its Legs;
// callbacks hold ids plus a weak `alive` token, never pointers.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sip/b2bua/call_manager.hpp"
#include "sip/b2bua/sdp_nat.hpp"
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
  // The called account of a binding leg, copied at creation: Directory
  // pointers do not survive a reload or import during the call, so
  // target.account is cleared.
  std::string account;     // "user@domain"; empty for provider/URI legs
  std::string network_id;  // the called account's network id
  std::uint32_t dial = 0;  // which Dial of the execution placed it (Call::dial_seq)
  routing::ResolvedLeg target;
  LegState state = LegState::Waiting;
  TimerId delay_timer = 0;
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
  std::string redirect_contact;
  store::Cdr cdr;
};

// A relayed in-dialog transaction awaiting its response.
struct Relay {
  txn::ServerId origin{};
  bool from_caller = true;
};

enum class CallState : std::uint8_t { Routing, Answered, Confirmed, Ended };

struct Call {
  CallId id = 0;
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
  std::unique_ptr<dialplan::Execution> execution;
  dialplan::ExecutionLimiter::Ticket ticket;
  bool execution_done = false;
  bool awaiting_dial = false;  // a Dial is running
  TimerId wait_timer = 0;
  // The running Dial.
  // Legs of every Dial of this call (earlier ones may still see late
  // responses); the running Dial's legs have dial == dial_seq.
  std::vector<std::unique_ptr<Leg>> legs;
  std::uint32_t dial_seq = 0;
  std::size_t stage = 0;
  std::size_t stages = 0;
  int dial_answered_limit = 0;
  TimerId ring_timer = 0;
  int best_status = 0;
  std::string best_reason;
  std::string redirect_uri;
  std::vector<dialplan::LegOutcome> outcomes;
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
};

struct CallManager::Impl final : public dialplan::Host, public routing::RouteSource {
  Impl(Services s, Config c);
  ~Impl() override;

  // ---- call_manager.cpp: intake, plans, execution driving
  void on_invite(txn::ServerTransaction txn, transport::Inbound&& in);
  void drive(Call& call, dialplan::Action action);
  void finish(Call& call, const dialplan::Done& done);
  void respond_caller(Call& call, int status, std::string_view reason,
                      const std::vector<std::string>& headers = {});
  void end_call(Call& call, std::string_view reason);
  Call* find_call(CallId id);
  Call* find_call_by_uas(txn::ServerId id);
  void erase_call(CallId id);
  dialplan::CallContext make_context(const Call& call, const msg::Message& m,
                                     const store::SipAccount& account);
  std::shared_ptr<const dialplan::CompiledPlan> plan_for(const store::DialPlan& plan,
                                                         dialplan::Diagnostic* error);

  // ---- dial.cpp: legs, stages, results
  void start_dial(Call& call, const dialplan::Dial& dial);
  void start_stage(Call& call);
  void place_leg(CallId cid, LegId lid);
  void send_leg_invite(Call& call, Leg& leg, msg::Message invite);
  void on_leg_response(CallId cid, LegId lid, const msg::Message& r);
  void leg_failed(Call& call, Leg& leg, int status, std::string_view reason);
  void check_stage(Call& call);
  void finish_dial(Call& call, dialplan::DialOutcome outcome);
  void cancel_legs(Call& call, LegId except, std::string_view why);
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

  // ---- auth.cpp
  enum class AuthResult : std::uint8_t { Ok, Challenge, Stale, Fail };
  AuthResult authenticate(const transport::Inbound& in, const store::SipAccount& account,
                          std::string_view realm);
  void challenge(txn::ServerTransaction& txn, const msg::Message& m, std::string_view realm,
                 bool stale);

  // ---- cdr.cpp
  void write_cdr(const store::Cdr& cdr);
  // Fills the derived durations; counts.
  store::Cdr finished_cdr(const store::Cdr& cdr);
  store::Cdr new_cdr(const Call& call, std::string_view direction) const;
  std::int64_t now_ms() const;
  // "udp:127.0.0.1:5060" (lower-case transport, as CDRs store sockets).
  static std::string socket_text(transport::Kind kind, std::string_view address);
  void event(const Call& call, CallEvent::Kind kind, int status, std::string_view reason);

  // ---- helpers
  const Services::Listener* listener_for(transport::Kind kind) const;
  std::string via_host_for(transport::Kind kind, const std::string& hint) const;

  // dialplan::Host
  bool is_available(std::string_view user, std::string_view domain) override;
  bool is_mine(std::string_view owner, std::string_view user, std::string_view domain) override;
  bool account_exists(std::string_view user, std::string_view domain) override;
  std::optional<std::vector<dialplan::BindingView>> bindings(std::string_view owner,
                                                             std::string_view user,
                                                             std::string_view domain) override;
  std::optional<std::string> canonical_domain(std::string_view host) override;
  std::size_t current_call_count(std::string_view owner) override;
  std::vector<dialplan::AccountView> accounts(std::string_view owner) override;
  // routing::RouteSource (canonical_domain shared with Host)
  const store::SipAccount* find_account(std::string_view user, std::string_view domain) override;
  std::vector<routing::BindingTarget> bindings(const store::SipAccount& account) override;
  const store::Provider* find_provider(store::Id owner, std::string_view name) override;

  Services svc;
  Config config;
  Stats stats;
  dialplan::ExecutionLimiter limiter;
  std::unordered_map<CallId, std::unique_ptr<Call>> calls;
  std::unordered_map<std::uint64_t, CallId> by_uas;                  // ServerId -> call
  std::unordered_map<std::string, std::pair<CallId, bool>> dialogs;  // callid\ntag -> (call, is A)
  std::unordered_map<std::string, std::pair<CallId, LegId>> leg_index;  // callid\nfromtag -> leg
  struct CachedPlan {
    std::int64_t updated = 0;
    std::shared_ptr<const dialplan::CompiledPlan> plan;
    dialplan::Diagnostic error;
  };
  std::unordered_map<store::Id, CachedPlan> plan_cache;
  std::unordered_map<store::Id, std::size_t> calls_per_owner;
  CallId next_call = 1;
  LegId next_leg = 1;
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  std::string dummy_ha1[2];
};

std::string dialog_key(std::string_view call_id, std::string_view tag);

}  // namespace sip::b2bua
