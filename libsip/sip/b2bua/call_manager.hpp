// The B2BUA call manager (docs/architecture.md, docs/dialling.md): every
// out-of-dialog INVITE becomes a Call. The caller is authenticated and the
// call classified (Out: From domain served, In: request-URI domain served),
// the account's dial plan runs as a dialplan::Execution, each Dial places
// new legs (new dialogs) stage by stage, the first 2xx is bridged to the
// caller and the other legs are cancelled; in-dialog requests are relayed
// between the two dialogs; every leg leaves a CDR.
// Thread-safety: core thread only. Ownership: owns its calls; the services it
// is built with must outlive it. Timers and transaction callbacks refer to
// calls by id, so a call that ended is simply not found.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/auth/nonce_service.hpp"
#include "sip/b2bua/call_limits.hpp"
#include "sip/base/clock.hpp"
#include "sip/base/timer.hpp"
#include "sip/dialer/fraud_guard.hpp"
#include "sip/dialplan/action.hpp"
#include "sip/directory/directory.hpp"
#include "sip/store/types.hpp"
#include "sip/transaction/transaction_layer.hpp"
#include "sip/transport/transport.hpp"

namespace sip::dns {
class Resolver;
}
namespace sip::registrar {
class Registrar;
}
namespace sip::policy {
class SourceGuard;
}

namespace sip::event {
class Bus;
}

namespace sip::b2bua {

struct Config {
  bool cdrs = true;
  std::size_t max_calls = 20000;         // concurrent calls; beyond: 503
  std::size_t max_executions = 50;       // global dial plan executions
  std::size_t max_legs = 20;             // per execution, over all its Dials (SIPSorcery: 20)
  std::string server_name = "sipsmith";  // Server / User-Agent header
  std::string contact_user = "sipsmith";
  // Redirect, transfer and callback targets (dialer/fraud_guard.hpp).
  dialer::FraudConfig fraud;
  // Outgoing calls per account and customer (call_limits.hpp).
  CallLimits limits;
};

struct Stats {
  std::uint64_t invites = 0;     // out-of-dialog INVITEs
  std::uint64_t challenged = 0;  // 407 sent
  std::uint64_t auth_failures = 0;
  std::uint64_t rejected = 0;        // final non-2xx before any leg (404, 403, 480 ...)
  std::uint64_t answered = 0;        // bridged calls
  std::uint64_t failed = 0;          // calls that ended unanswered after dialling
  std::uint64_t cancelled = 0;       // caller CANCEL
  std::uint64_t legs = 0;            // legs placed
  std::uint64_t in_dialog = 0;       // in-dialog requests relayed
  std::uint64_t no_dialog = 0;       // 481
  std::uint64_t duration_limit = 0;  // calls ended by cd=
  std::uint64_t limited = 0;         // outgoing calls refused by the call limits
  std::uint64_t cdrs_written = 0;
  std::size_t active = 0;  // calls now
};

// Where CDRs go (the engine writes them through the store's WriteQueue).
// A leg's record is written when the leg starts, when it is answered and
// when it ends (store::Cdr); a crash loses at most what the writer had not
// committed yet.
class CdrSink {
 public:
  virtual ~CdrSink() = default;
  // Takes the record (by value: the caller's copy is moved in, not copied
  // again).
  virtual void write(store::Cdr cdr) = 0;
  // Several records in one store job (a call's legs when it ends).
  virtual void write_batch(std::vector<store::Cdr> cdrs) {
    for (auto& c : cdrs) write(std::move(c));
  }
};

// The dial plans' per-customer key/value store (sys.DBRead ...). Reads
// answer at once (the core thread's store connection: WAL readers never
// wait); writes complete later (the store writer) and `done` runs on the
// core thread, so a read after a completed write sees it.
class KvService {
 public:
  virtual ~KvService() = default;
  // KvRead or KvKeys.
  virtual dialplan::KvResult read(store::Id owner, const dialplan::Action& action) = 0;
  // KvWrite or KvDelete.
  virtual void write(store::Id owner, const dialplan::Action& action,
                     std::function<void(dialplan::KvResult)> done) = 0;
};

// sys.WebGet for dial plans (docs/webget.md): `done` runs later on the core
// thread with the body, or with ok == false and why (not allowed, network
// error, timeout). Never runs `done` inline.
class WebService {
 public:
  virtual ~WebService() = default;
  virtual void get(store::Id owner, const dialplan::HttpGet& request,
                   std::function<void(dialplan::HttpResult)> done) = 0;
};

// Call events for the event bus (console, metrics) of later issues.
struct CallEvent {
  enum class Kind : std::uint8_t { Created, Progress, Answered, HungUp } kind = Kind::Created;
  std::string bridge_id;
  store::Id owner = 0;
  std::string call_id;  // the caller's Call-ID
  int status = 0;
  std::string reason;
};

struct Services {
  txn::TransactionLayer* layer = nullptr;
  transport::Sender* sender = nullptr;
  TimerService* timers = nullptr;
  const Clock* wall = nullptr;  // CDR times, plan clocks
  const directory::Directory* directory = nullptr;
  registrar::Registrar* registrar = nullptr;
  const auth::NonceService* nonces = nullptr;
  policy::SourceGuard* guard = nullptr;  // failed INVITE digests counted here; may be null
  dns::Resolver* resolver = nullptr;     // may be null: only numeric hosts then
  CdrSink* cdrs = nullptr;               // may be null: no CDRs
  KvService* kv = nullptr;               // may be null: scripts see storage failures
  WebService* web = nullptr;             // may be null: sys.WebGet returns nil
  std::function<void(const CallEvent&)> on_event;  // may be empty
  event::Bus* events = nullptr;                    // console events; may be null
  // The flow the registration of provider `name` of customer `owner` went
  // through (nullopt: none); a provider leg to that same address leaves
  // through it. May be empty.
  std::function<std::optional<transport::Origin>(store::Id owner, std::string_view name)>
      provider_flow;
  // Our listeners ("udp"/"tcp"/"tls", "ip:port"), for Via and Contact.
  struct Listener {
    transport::Kind kind = transport::Kind::Udp;
    std::string address;
  };
  std::vector<Listener> listeners;
};

// A call in progress, as call control lists it.
struct CallInfo {
  std::uint64_t id = 0;  // this daemon's number for the call (call.hangup takes it)
  store::Id owner = 0;
  std::string owner_name;
  std::string account;    // "user@domain": calling (out) or called (in) account
  std::string direction;  // "in" | "out"
  std::string state;      // "routing" | "answered" | "confirmed"
  std::string dialplan;
  std::string call_id;      // the caller's Call-ID
  std::string from;         // the caller's From value
  std::string request_uri;  // what the caller dialled
  std::string answered_by;  // the answering leg's request-URI (empty while routing)
  std::string bridge_id;    // as in the call's CDRs
  std::int64_t created = 0, answered_at = 0;  // unix ms (0: not answered)
  std::size_t legs = 0;                       // legs placed so far
};

class CallManager {
 public:
  CallManager(Services services, Config config);
  ~CallManager();
  CallManager(const CallManager&) = delete;
  CallManager& operator=(const CallManager&) = delete;

  void reconfigure(Config config);

  // An INVITE without a To tag for a served domain or from a served account
  // (the dispatcher has validated it). Always answers `txn`.
  void on_invite(txn::ServerTransaction txn, transport::Inbound&& in);
  // A request with a To tag. Answers `txn` (481 when no dialog matches).
  void on_in_dialog(txn::ServerTransaction txn, transport::Inbound&& in);
  // An ACK no transaction absorbed (the ACK of our 2xx).
  void on_ack(transport::Inbound&& in);
  // The caller CANCELled `invite` (the layer answers 487 after this).
  void on_cancel(txn::ServerId invite);
  // A response no client transaction matched (a retransmitted 2xx).
  void on_stray_response(transport::Inbound&& in);
  // Our response on `id` could not be delivered / was never ACKed.
  void on_server_failed(txn::ServerId id, txn::ServerFailure why);
  // Ends every call (BYE / CANCEL / 503) for a graceful stop.
  void shutdown();
  // The calls in progress of customer `owner` (0: every customer's), by id.
  std::vector<CallInfo> calls(store::Id owner = 0) const;
  // Ends call `id` (of `owner`, unless 0) for `why`: an answered call gets a
  // BYE on both sides; a call still routing has its legs cancelled and the
  // caller gets 480. False when there is no such call.
  bool hang_up(std::uint64_t id, store::Id owner, std::string_view why);
  // Sends the far end of established call `id` (of `owner`, unless 0) to
  // `destination` ("300", "300@domain" or a sip: URI) through the owner's
  // dial plan named "transfer" (docs/transfers.md): the callee of an Out
  // call, the caller of an In call stays; the owner's own phone is hung up
  // when the new party answers. Empty when the transfer started, else why
  // not. The outcome is logged (the call stays as it was when it fails).
  std::string blind_transfer(std::uint64_t id, store::Id owner, std::string_view destination);
  // Joins the far ends of established calls `first` and `second` of one
  // customer (`owner`, unless 0): each gets a re-INVITE with the other's
  // session, the customer's own two parties get BYE, `second` ends. Empty,
  // or why not.
  std::string dual_transfer(std::uint64_t first, std::uint64_t second, store::Id owner);
  // Third-party call control for customer `owner` (docs/transfers.md): dials
  // `first` (a dial string: "300@provider", "bob@local" ...); when it
  // answers, dials `second` with the first's session and bridges the two.
  // Both are guarded destinations (dialer/fraud_guard.hpp). On success
  // `*id` is the new call's id (call.list) and the result is empty; else
  // why not.
  std::string callback(store::Id owner, std::string_view first, std::string_view second,
                       std::uint64_t* id);

  const Stats& stats() const noexcept;
  std::size_t running_executions() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sip::b2bua
