// Internal state of the Registrar (included by the registrar's .cpp files
// only): the binding table with its expiry index, per-account serialisation
// of REGISTERs while their changes are persisted, the digest gate, source
// blocking and keep-alives. Thread-safety: core thread only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sip/auth/nonce_uses.hpp"
#include "sip/message/builder.hpp"
#include "sip/policy/source_guard.hpp"
#include "sip/registrar/registrar.hpp"
#include "sip/registrar/ua_rules.hpp"

namespace sip::registrar {

// A REGISTER being handled: the handle that answers it and the request.
struct Request {
  txn::ServerTransaction txn;
  transport::Inbound in;
  std::string realm;  // canonical domain = digest realm
  store::Id account_id = 0;
  bool flow_closed = false;  // its TCP/TLS connection closed while it waited
};

// One binding in memory: the stored record plus what does not persist.
struct Slot {
  store::Binding b;
  transport::Kind kind = transport::Kind::Udp;
  transport::SocketAddress source;
  transport::FlowId flow = 0;  // 0 after a restart
  std::multimap<std::int64_t, std::uint64_t>::iterator expiry_pos;
  TimerId keepalive_timer = 0;
  bool options_pending = false;   // an OPTIONS keep-alive is running
  bool options_answered = false;  // ... and got a response (alive)
  txn::ClientId options_txn{};
};

// One binding change a REGISTER asks for.
struct Change {
  enum class Op : std::uint8_t { Add, Refresh, Remove } op = Op::Add;
  store::Binding binding;                  // new (Add, Refresh) or removed (Remove)
  std::optional<store::Binding> previous;  // Refresh: the stored binding before
  RemovalReason reason = RemovalReason::ClientExpiredSpecific;
  transport::Kind kind = transport::Kind::Udp;
  transport::SocketAddress source;
  transport::FlowId flow = 0;
  bool persisted = false;
};

// A REGISTER whose changes are being persisted.
struct Plan {
  Request req;
  std::vector<Change> changes;
  std::size_t pending = 0;
  bool failed = false;
};

// A removal decided while the account had a REGISTER in flight; applied
// after it unless the binding was refreshed meanwhile (`updated` moved).
struct DeferredRemoval {
  std::string contact_key;
  std::int64_t updated = 0;
  RemovalReason reason = RemovalReason::Expired;
};

struct AccountState {
  std::vector<std::uint64_t> serials;  // bindings, in insertion order
  std::shared_ptr<Plan> in_flight;     // set while a REGISTER is persisted
  // REGISTERs waiting for it. A list: an empty std::deque allocates about
  // 0.6 kB, for every account with a binding.
  std::list<Request> queue;
  std::vector<DeferredRemoval> deferred;
  // Replay guard: the highest nc seen per recent nonce.
  auth::NonceUses nonce_uses;
};

struct Registrar::Impl {
  static constexpr std::size_t kMaxQueuedPerAccount = 8;
  static constexpr std::size_t kMaxUserAgent = 128;

  Impl(txn::TransactionLayer& layer, transport::Sender& sender, TimerService& timers,
       const Clock& wall, const directory::Directory& directory, Persistence& persistence,
       const auth::NonceService& nonces, policy::SourceGuard* guard);
  ~Impl();

  Result<void> apply_config(Config c);
  std::int64_t now() const noexcept { return wall.unix_seconds(); }

  // ---- register_request.cpp: intake, validation, digest
  void on_register(txn::ServerTransaction txn, transport::Inbound&& in);
  enum class AuthOutcome : std::uint8_t { Ok, Challenge, Stale, Fail };
  AuthOutcome authenticate(const Request& r, const store::SipAccount* account,
                           std::string_view to_user);
  bool replayed(store::Id account, std::string_view nonce, std::string_view nc);
  msg::MessageBuilder response(const Request& r, int status, std::string_view reason);
  void send(Request& r, const msg::MessageBuilder& b);
  void reply(Request& r, int status, std::string_view reason);
  void challenge(Request& r, const store::SipAccount* account, bool stale);
  auth::AlgorithmList algorithms_for(const store::SipAccount* account,
                                     std::string_view user_agent) const;
  void note_failure(std::string_view ip);

  // ---- binding_plan.cpp: contact processing and persistence
  void submit(Request r);
  void process(Request r);
  void persist(const std::shared_ptr<Plan>& plan);
  void finish(const std::shared_ptr<Plan>& plan);
  void compensate(const Plan& plan);
  void reply_ok(Request& r);
  void next_in_queue(store::Id account);

  // ---- binding_table.cpp: the table, expiry, removals, events
  // Serial of the binding with that key, 0 when none.
  std::uint64_t find(store::Id account, std::string_view contact_key) const;
  std::uint64_t insert(Slot slot);
  void update(std::uint64_t serial, const store::Binding& b, transport::Kind kind,
              const transport::SocketAddress& source, transport::FlowId flow);
  // Drops a binding from memory (timers, index); no persistence, no event.
  store::Binding drop(std::uint64_t serial);
  // Removes now (or after the in-flight REGISTER of its account), persists
  // the erase, reports the event.
  void remove_binding(std::uint64_t serial, RemovalReason why);
  void apply_deferred(store::Id account);
  // Schedules the sweep at the earliest expiry, at least `min_delay` s away.
  void arm_sweep(std::int64_t min_delay = 0);
  void sweep();
  void emit(BindingEvent::Kind kind, const store::Binding& b, RemovalReason why);
  // ---- events.cpp: console events
  void emit_register(const Request& r, int status, std::string_view reason);
  void emit_binding(BindingEvent::Kind kind, const store::Binding& b, RemovalReason why);
  void erase_in_store(const store::Binding& b);
  void forget_account_if_idle(store::Id account);
  // The flow index: bindings registered over a TCP/TLS connection.
  void link_flow(std::uint64_t serial, const Slot& s);
  void unlink_flow(std::uint64_t serial, const Slot& s);
  void flow_closed(transport::FlowId flow);

  // ---- keepalive.cpp
  void arm_keepalive(std::uint64_t serial, bool first);
  void keepalive_fired(std::uint64_t serial);
  void send_crlf(std::uint64_t serial, Slot& s);
  void send_options(std::uint64_t serial, Slot& s, const store::SipAccount& account);
  void options_done(std::uint64_t serial, bool alive_answer);

  txn::TransactionLayer& layer;
  transport::Sender& sender;
  TimerService& timers;
  const Clock& wall;
  const directory::Directory& directory;
  Persistence& persistence;
  const auth::NonceService& nonces;
  Config config;
  UaRules ua_rules;
  policy::SourceGuard* guard;  // the engine's; may be null
  mutable Stats stats;
  std::function<void(const BindingEvent&)> observer;
  event::Bus* console = nullptr;  // console events (events.cpp); may be null

  std::unordered_map<std::uint64_t, Slot> slots;
  std::unordered_map<store::Id, AccountState> accounts;
  std::multimap<std::int64_t, std::uint64_t> expiry;                  // unix expiry -> serial
  std::unordered_multimap<transport::FlowId, std::uint64_t> by_flow;  // TCP/TLS flows only
  std::unordered_set<store::Id> busy;  // accounts with a REGISTER in flight
  TimerId sweep_timer = 0;
  std::int64_t sweep_at = 0;
  std::uint64_t next_serial = 1;
  std::array<std::string, 2> dummy_ha1;  // MD5, SHA-256: unknown users cost the same
  // Callbacks from the Persistence, the Sender and the layer check this.
  std::shared_ptr<int> alive = std::make_shared<int>(0);
};

// Helpers shared by the .cpp files.
std::string http_date(std::int64_t unix_seconds);
std::optional<float> parse_qvalue(std::string_view s) noexcept;
// The contact to send requests to: host:port replaced by the public source
// when the contact host is a private address or an address other than the
// source (not for host names, not when `dont_mangle`).
std::string mangle_contact(const uri::UriView& contact, const transport::SocketAddress& source,
                           transport::Kind kind, bool dont_mangle);

}  // namespace sip::registrar
