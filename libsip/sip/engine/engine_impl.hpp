// Private to the engine's .cpp files: the parts of a running sipproxyd and the
// order they are built in (members are destroyed in reverse: the control
// socket and registrar go before the transaction layer and transport; the
// write queue and store last).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sip/auth/nonce_service.hpp"
#include "sip/b2bua/call_manager.hpp"
#include "sip/directory/directory.hpp"
#include "sip/dns/resolver.hpp"
#include "sip/engine/config.hpp"
#include "sip/engine/dispatcher.hpp"
#include "sip/engine/engine.hpp"
#include "sip/engine/events.hpp"
#include "sip/event/bus.hpp"
#include "sip/provreg/agent.hpp"
#include "sip/registrar/registrar.hpp"
#include "sip/store/pg_listen.hpp"
#include "sip/store/store.hpp"
#include "sip/store/write_queue.hpp"
#include "sip/transaction/transaction_layer.hpp"
#include "sip/transport/event_loop.hpp"
#include "sip/transport/transport_layer.hpp"

namespace sip::engine {

class ControlHost;  // engine_control.cpp: the control socket and its commands

// The transport needs its InboundHandler before the TransactionLayer (which
// needs the transport as its Sender) exists.
// With a drop filter set, matching messages never reach the transaction
// layer (sources blocked silently: no transaction is created for them).
// Closed flows go to the transaction layer, then to the flow observer (the
// registrar drops the bindings registered through them).
class InboundRelay final : public transport::InboundHandler {
 public:
  void on_inbound(transport::Inbound&& in) override {
    if (tracer_ != nullptr) tracer_->inbound(in);
    if (drop_ && drop_(in)) {
      ++dropped_;
      return;
    }
    if (to_ != nullptr) to_->on_inbound(std::move(in));
  }
  void on_flow_closed(transport::FlowId flow, const Error& why) override {
    if (to_ != nullptr) to_->on_flow_closed(flow, why);
    if (flow_observer_) flow_observer_(flow);
  }
  void connect(transport::InboundHandler* to) noexcept { to_ = to; }
  void set_drop(std::function<bool(const transport::Inbound&)> drop) { drop_ = std::move(drop); }
  void set_flow_observer(std::function<void(transport::FlowId)> observer) {
    flow_observer_ = std::move(observer);
  }
  std::uint64_t dropped() const noexcept { return dropped_; }
  // Full SIP traces of what arrives (before blocked sources are dropped).
  void set_tracer(const SipTracer* tracer) noexcept { tracer_ = tracer; }

 private:
  const SipTracer* tracer_ = nullptr;
  transport::InboundHandler* to_ = nullptr;
  std::function<bool(const transport::Inbound&)> drop_;
  std::function<void(transport::FlowId)> flow_observer_;
  std::uint64_t dropped_ = 0;
};

// Binding changes go through the store's WriteQueue (group commit); the
// registrar's callbacks come back on the core thread via the loop.
// Write-behind (save_behind, taken when `window` > 0): refreshes collect on
// the core thread, one row per binding (a later refresh replaces an earlier
// one), and go to the writer as one job every `window`; a save() or erase()
// of the same binding drops its pending refresh first, so the store never
// sees them out of order. A crash loses at most the refreshes of the last
// window plus what the writer had not committed: those bindings come back
// with their previous expiry. A full queue drops a batch with a log line and
// a counter (memory stays right; the store keeps the older expiry).
// flush() sends what is pending now (drain).
class QueuePersistence final : public registrar::Persistence {
 public:
  QueuePersistence(store::WriteQueue& queue, TimerService& timers, std::chrono::milliseconds window)
      : queue_(queue), timers_(timers), window_(window) {}
  ~QueuePersistence() override;
  void save(const store::Binding& binding, std::function<void(Result<void>)> done) override;
  void erase(store::Id account_id, const std::string& contact_key,
             std::function<void(Result<void>)> done) override;
  bool save_behind(const store::Binding& binding) override;
  void flush();
  std::uint64_t refreshes_dropped() const noexcept { return dropped_; }

 private:
  using Key = std::pair<store::Id, std::string>;
  void forget(store::Id account_id, const std::string& contact_key);

  store::WriteQueue& queue_;
  TimerService& timers_;
  std::chrono::milliseconds window_;
  std::map<Key, store::Binding> pending_;
  TimerId timer_ = 0;
  std::uint64_t dropped_ = 0;
};

// CDRs go through the store's WriteQueue (group commit, own thread), in
// batches: records collect on the core thread for `window` and go as one job
// (a leg written twice within the window - started and ended - is written
// once). A crash loses at most the records of the last window plus what the
// writer had not committed. A full queue drops a batch with a log line and a
// counter (never blocks SIP). flush() sends what is pending now (drain).
class QueueCdrSink final : public b2bua::CdrSink {
 public:
  QueueCdrSink(store::WriteQueue& queue, TimerService& timers, std::chrono::milliseconds window)
      : queue_(queue), timers_(timers), window_(window) {}
  ~QueueCdrSink() override;
  void write(store::Cdr cdr) override;
  void write_batch(std::vector<store::Cdr> cdrs) override;
  void flush();
  std::uint64_t dropped() const noexcept { return dropped_; }

 private:
  store::WriteQueue& queue_;
  TimerService& timers_;
  std::chrono::milliseconds window_;
  std::vector<store::Cdr> pending_;
  std::unordered_map<std::string, std::size_t> index_;  // id -> position in pending_
  TimerId timer_ = 0;
  std::uint64_t dropped_ = 0;
};

// The dial plans' key/value data in memory, so a call's sys.DBRead never
// waits for the database (engine_store.cpp). Core thread only. Loaded at start;
// dial plan writes change it at once (undone if their commit fails), the
// control socket's and HTTP API's writes after they commit (through
// cache_kv_writes); on PostgreSQL, another daemon's changes replace an
// owner's entry (ChangeListener), unless this daemon has writes of that
// owner in flight (their own notification follows).
struct KvCache {
  std::unordered_map<store::Id, std::map<std::string, std::string>> owners;
  std::unordered_map<store::Id, int> pending;  // dial plan writes not yet committed
};

// Fills `cache` from the store (start-up).
Result<void> load_kv_cache(store::Store& store, KvCache& cache);
// The core thread's Store with the key/value writes that bypass StoreKv (the
// control socket, the HTTP API) mirrored into the cache, and a removed
// customer's data dropped from it.
std::unique_ptr<store::Store> cache_kv_writes(std::unique_ptr<store::Store> inner,
                                              std::shared_ptr<KvCache> cache);

// Dial plan key/value actions: reads from the KvCache, writes through the
// WriteQueue (and into the cache at once).
class StoreKv final : public b2bua::KvService {
 public:
  StoreKv(std::shared_ptr<KvCache> cache, store::WriteQueue& queue, const Clock& wall)
      : cache_(std::move(cache)), queue_(queue), wall_(wall) {}
  dialplan::KvResult read(store::Id owner, const dialplan::Action& action) override;
  void write(store::Id owner, const dialplan::Action& action,
             std::function<void(dialplan::KvResult)> done) override;

 private:
  std::shared_ptr<KvCache> cache_;
  store::WriteQueue& queue_;
  const Clock& wall_;
};

struct Engine::Impl {
  explicit Impl(ServerConfig cfg);
  ~Impl();

  // Builds everything; false with `*message` set on failure.
  bool build(std::string* message);
  Result<void> load_directory();
  Result<void> reload();  // re-reads config.source_path
  void drain_and_stop();
  nlohmann::json stats() const;
  nlohmann::json ready() const;
  // engine_control.cpp
  bool start_control(std::string* message);  // and the HTTP API
  void stop_control();
  void apply_http(const http::Options& options);  // SIGHUP
  // engine_store.cpp, on the ChangeListener's thread: reads what another
  // daemon changed (a Directory snapshot, owners' key/value data) and posts
  // it to the core thread.
  void on_store_changes(store::Store& s, const store::StoreChanges& what);
  void reload_kv(store::Store& s, const store::StoreChanges& what);
  // engine_provreg.cpp: the provider registration agent, following the Directory.
  void start_provider_agent();
  // For the call manager: the flow provider (owner, name) registered through.
  std::optional<transport::Origin> provider_flow(store::Id owner, std::string_view name) const;

  ServerConfig config;
  transport::EventLoop loop;
  std::shared_ptr<KvCache> kv_cache = std::make_shared<KvCache>();
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::WriteQueue> writes;
  directory::Directory directory;
  // PostgreSQL only: other daemons' provisioning changes (LISTEN/NOTIFY),
  // read on the listener's thread and applied to `directory` here.
  std::unique_ptr<store::ChangeListener> changes;
  std::unique_ptr<auth::NonceService> nonces;
  // Source blocking: the registrar and the call manager report failed
  // authentications to it; the dispatcher (and, when blocking silently, the
  // relay before the transaction layer) refuses blocked sources at intake.
  std::unique_ptr<policy::SourceGuard> guard;
  // Per-source request rate limit ahead of parsing (the transport's gate);
  // outlives the transport.
  std::unique_ptr<policy::FloodGuard> flood;
  std::unique_ptr<Dispatcher> dispatcher;
  // Console events: every part emits into `events`; the control socket's
  // console and the HTTP API's event stream subscribe. Declared before the
  // transport, so that sends still pending when it goes trace into live
  // objects.
  event::Bus events;
  std::unique_ptr<SipTracer> tracer;
  std::unique_ptr<TraceSender> sender;  // what every part above the transport sends through
  InboundRelay relay;
  std::unique_ptr<transport::TransportLayer> transport;
  std::unique_ptr<txn::TransactionLayer> txn;
  std::unique_ptr<QueuePersistence> persistence;
  std::unique_ptr<registrar::Registrar> registrar;
  std::unique_ptr<dns::Resolver> resolver;
  std::unique_ptr<QueueCdrSink> cdr_sink;
  std::unique_ptr<StoreKv> kv;
  std::unique_ptr<http::WebFetcher> web;  // null unless b2bua.webget.allow lists URLs
  std::unique_ptr<b2bua::CallManager> calls;
  std::unique_ptr<provreg::Agent> provider_agent;
  bool provider_sync_posted = false;
  std::unique_ptr<ControlHost> control;
  std::size_t bindings_restored = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  bool stopping = false;
};

}  // namespace sip::engine
