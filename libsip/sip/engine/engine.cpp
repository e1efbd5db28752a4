#include "sip/engine/engine.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <utility>

#include "sip/base/log.hpp"
#include "sip/engine/engine_impl.hpp"
#include "sip/store/sqlite_store.hpp"

namespace sip::engine {
namespace {

constexpr std::string_view kModule = "engine";

void log_info(const std::string& text) {
  log(LogLevel::Info, kModule, text);
}

std::string kind_lower(transport::Kind k) {
  std::string s(transport::kind_name(k));
  for (auto& c : s) c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

QueueCdrSink::~QueueCdrSink() {
  if (timer_ != 0) timers_.cancel(timer_);
}

void QueueCdrSink::write(store::Cdr cdr) {
  if (const auto it = index_.find(cdr.id); it != index_.end()) {
    pending_[it->second] = std::move(cdr);  // a newer state of the same leg
  } else {
    index_.emplace(cdr.id, pending_.size());
    pending_.push_back(std::move(cdr));
  }
  if (timer_ == 0 && window_.count() > 0) {
    timer_ = timers_.start(window_, [this] {
      timer_ = 0;
      flush();
    });
  }
  if (window_.count() == 0) flush();
}

void QueueCdrSink::write_batch(std::vector<store::Cdr> cdrs) {
  for (auto& c : cdrs) write(std::move(c));
}

void QueueCdrSink::flush() {
  if (timer_ != 0) {
    timers_.cancel(timer_);
    timer_ = 0;
  }
  if (pending_.empty()) return;
  auto batch = std::make_shared<std::vector<store::Cdr>>(std::move(pending_));
  pending_.clear();
  index_.clear();
  auto r = queue_.submit(
      [batch](store::Store& s) -> Result<void> {
        for (const auto& c : *batch)
          if (auto w = s.cdrs().upsert(c); !w) return w;
        return {};
      },
      [](Result<void> result) {
        if (!result)
          log(LogLevel::Warn, "cdr", "CDRs not stored: " + std::string(result.error().detail));
      });
  if (!r) {
    dropped_ += batch->size();
    log(LogLevel::Warn, "cdr",
        std::to_string(batch->size()) + " CDRs dropped (write queue full or stopped)");
  }
}

Result<void> Engine::Impl::load_directory() {
  for (const auto& name : config.domains) {
    auto found = store->domains().find(name);
    if (found) continue;
    if (found.error().code != Errc::not_found) return found.error();
    store::Domain d;
    d.name = name;
    if (auto added = store->domains().add(d); !added) return added.error();
    log_info("created served domain " + name);
  }
  auto domains = store->domains().list();
  if (!domains) return domains.error();
  auto accounts = store->accounts().list();
  if (!accounts) return accounts.error();
  auto customers = store->customers().list();
  if (!customers) return customers.error();
  auto providers = store->providers().list();
  if (!providers) return providers.error();
  auto plans = store->dialplans().list();
  if (!plans) return plans.error();
  directory.set_domains(std::move(*domains), config.default_domain);
  directory.set_accounts(std::move(*accounts));
  directory.set_customers(std::move(*customers));
  directory.set_providers(std::move(*providers));
  directory.set_dialplans(std::move(*plans));
  return {};
}

bool Engine::Impl::build(std::string* message) {
  set_log_level(config.log_level);
  // SQLite file or PostgreSQL (store.url): the core thread's connection and
  // the writer's come from the same factory.
  // Every connection stamps the bindings it saves with this daemon's node.
  const store::StoreFactory base = config.postgres.url.empty()
                                       ? store::sqlite_factory(config.store)
                                       : store::postgres_factory(config.postgres);
  const store::StoreFactory open_store = [base, node = config.node]() {
    auto s = base();
    if (s) (*s)->set_node(node);
    return s;
  };
  auto opened = open_store();
  if (!opened) {
    *message = "cannot open the store " + store_description(config) + ": " +
               std::string(opened.error().detail);
    return false;
  }
  if (auto r = load_kv_cache(**opened, *kv_cache); !r) {
    *message = "cannot load the dial plans' key/value data: " + std::string(r.error().detail);
    return false;
  }
  store = cache_kv_writes(std::move(*opened), kv_cache);
  if (auto r = load_directory(); !r) {
    *message = "cannot load domains and accounts: " + std::string(r.error().detail);
    return false;
  }
  store::WriteQueueOptions wq;
  wq.linger = config.commit_linger;
  wq.max_queue = config.store_max_queue;
  wq.retry_interval = config.postgres.retry_interval;
  if (!config.postgres.url.empty()) wq.ack_after = config.store_ack_timeout;
  auto queue = store::WriteQueue::start(
      open_store, [this](std::function<void()> fn) { loop.post(std::move(fn)); }, wq);
  if (!queue) {
    *message = "cannot start the store writer: " + std::string(queue.error().detail);
    return false;
  }
  writes = std::move(*queue);
  if (!config.postgres.url.empty()) {
    // Daemons sharing the database: a change committed by any of them is
    // read here off the core thread, then swapped into the Directory.
    auto listener = store::ChangeListener::start(
        config.postgres,
        [this](store::Store& s, const store::StoreChanges& what) { on_store_changes(s, what); });
    if (!listener) {
      *message = "cannot listen for provisioning changes: " + std::string(listener.error().detail);
      return false;
    }
    changes = std::move(*listener);
  }

  nonces = std::make_unique<auth::NonceService>(loop.clock(), config.nonce_lifetime);
  guard = std::make_unique<policy::SourceGuard>(loop.clock(), config.security);
  dispatcher = std::make_unique<Dispatcher>(directory, config.registrar.server_name);
  dispatcher->set_guard(guard.get(), config.block_silently);
  dispatcher->set_events(&events);
  transport = std::make_unique<transport::TransportLayer>(loop, config.transport, relay);
  flood = std::make_unique<policy::FloodGuard>(loop.clock(), config.flood);
  flood->set_events(&events);
  transport->set_gate(flood.get());
  tracer = std::make_unique<SipTracer>(events, directory);
  sender = std::make_unique<TraceSender>(*transport, *tracer);
  relay.set_tracer(tracer.get());
  guard->set_events(&events);
  txn = std::make_unique<txn::TransactionLayer>(*sender, loop, *dispatcher);
  relay.connect(txn.get());
  persistence = std::make_unique<QueuePersistence>(*writes, loop, config.refresh_flush);
  registrar =
      std::make_unique<registrar::Registrar>(*txn, *sender, loop, loop.clock(), directory,
                                             *persistence, *nonces, config.registrar, guard.get());
  registrar->set_events(&events);
  dispatcher->set_registrar(registrar.get());
  relay.set_flow_observer([this](transport::FlowId flow) {
    if (registrar) registrar->on_flow_closed(flow);
  });
  relay.set_drop([this](const transport::Inbound& in) {
    const bool drop = config.block_silently && in.message.is_request() &&
                      guard->blocked(in.origin.remote.ip_string());
    if (drop) emit_refused(events, in, true);
    return drop;
  });

  auto bindings = store->bindings().list();
  if (!bindings) {
    *message = "cannot read registrar bindings: " + std::string(bindings.error().detail);
    return false;
  }
  bindings_restored = bindings->size();

  if (auto r = transport->start(); !r) {
    std::string what;
    for (const auto& l : config.transport.listen) {
      if (!what.empty()) what += ", ";
      what += kind_lower(l.kind) + " " + l.address.to_string();
    }
    *message = "cannot bind " + what + ": " + std::string(r.error().detail);
    return false;
  }
  std::vector<transport::SocketAddress> local;
  for (const auto& l : transport->listeners()) local.push_back(l.address);
  dispatcher->set_local_addresses(std::move(local));
  registrar->restore(std::move(*bindings));

  // The call manager (B2BUA).
  dns::ResolverOptions dns_options;
  dns_options.nameservers = config.nameservers;
  try {
    resolver = std::make_unique<dns::Resolver>(
        dns_options, [this](std::function<void()> fn) { loop.post(std::move(fn)); });
  } catch (const std::exception& e) {
    *message = std::string("cannot start the DNS resolver: ") + e.what();
    return false;
  }
  cdr_sink = std::make_unique<QueueCdrSink>(*writes, loop, config.cdr_flush);
  b2bua::Services svc;
  svc.layer = txn.get();
  svc.sender = sender.get();
  svc.timers = &loop;
  svc.wall = &loop.clock();
  svc.directory = &directory;
  svc.registrar = registrar.get();
  svc.nonces = nonces.get();
  svc.guard = guard.get();
  svc.resolver = resolver.get();
  svc.cdrs = cdr_sink.get();
  kv = std::make_unique<StoreKv>(kv_cache, *writes, loop.clock());
  svc.kv = kv.get();
  if (!config.webget.allow.empty()) {
    web = std::make_unique<http::WebFetcher>(
        config.webget, [this](std::function<void()> fn) { loop.post(std::move(fn)); });
    svc.web = web.get();
  }
  svc.events = &events;  // calls, legs, dial plan lines and script errors
  svc.provider_flow = [this](store::Id owner, std::string_view name) {
    return provider_flow(owner, name);
  };
  for (const auto& l : transport->listeners()) {
    b2bua::Services::Listener x;
    x.kind = l.kind;
    x.address = l.address.to_string();
    svc.listeners.push_back(std::move(x));
  }
  b2bua::Config cc = config.b2bua;
  cc.server_name = config.registrar.server_name;
  // The 407 challenges follow Registrar::digest_algorithms().
  calls = std::make_unique<b2bua::CallManager>(std::move(svc), cc);
  dispatcher->set_call_manager(calls.get());
  start_provider_agent();

  if (!start_control(message)) return false;

  loop.on_signals({SIGTERM, SIGINT, SIGHUP}, [this](int sig) {
    if (sig == SIGHUP) {
      if (auto r = reload(); !r)
        log(LogLevel::Error, kModule, "reload failed; keeping the old config");
      return;
    }
    drain_and_stop();
  });
  return true;
}

Result<void> Engine::Impl::reload() {
  if (config.source_path.empty()) {
    log_info("reload: running on built-in defaults; re-reading domains and accounts only");
    return load_directory();
  }
  std::string message;
  auto fresh = load_config(config.source_path, &message);
  if (!fresh) {
    log(LogLevel::Error, kModule, "reload: " + message);
    return fresh.error();
  }
  if (auto r = registrar->reconfigure(fresh->registrar); !r) {
    log(LogLevel::Error, kModule, "reload: registrar: " + std::string(r.error().detail));
    return r.error();
  }
  if (fresh->transport.listen.size() != config.transport.listen.size() ||
      fresh->store.path != config.store.path || fresh->postgres.url != config.postgres.url ||
      fresh->control.socket != config.control.socket) {
    log(LogLevel::Warn, kModule,
        "reload: listen addresses, store path or url and control socket apply after a restart");
  }
  set_log_level(fresh->log_level);
  guard->reconfigure(fresh->security);
  dispatcher->set_guard(guard.get(), fresh->block_silently);
  flood->reconfigure(fresh->flood);
  config.flood = fresh->flood;
  config.security = fresh->security;
  config.block_silently = fresh->block_silently;
  config.registrar = fresh->registrar;
  config.domains = fresh->domains;
  config.default_domain = fresh->default_domain;
  config.log_level = fresh->log_level;
  {
    b2bua::Config cc = fresh->b2bua;
    cc.server_name = fresh->registrar.server_name;
    calls->reconfigure(cc);
    config.b2bua = fresh->b2bua;
  }
  apply_http(fresh->http);
  config.provider_registration = fresh->provider_registration;
  config.provider_registration.server_name = fresh->registrar.server_name;
  if (provider_agent) provider_agent->reconfigure(config.provider_registration);
  if (auto r = load_directory(); !r) return r.error();
  log_info("configuration reloaded from " + config.source_path);
  return {};
}

void Engine::Impl::drain_and_stop() {
  if (stopping) return;
  stopping = true;
  log_info("stopping: ending calls and draining the store writer");
  stop_control();
  if (changes) changes->stop();
  // Calls end first so their final CDRs are in the queue before the flush.
  if (calls) calls->shutdown();
  if (cdr_sink) cdr_sink->flush();
  if (persistence) persistence->flush();
  // Every binding change acknowledged so far is committed; completions the
  // writer posted run before the stop below (the loop runs posts in order).
  writes->flush();
  auto finish = [this] {
    loop.post([this] {
      transport->shutdown();
      loop.stop();
    });
  };
  // Provider registrations are unregistered (bounded wait) before the
  // transport closes.
  if (provider_agent) return provider_agent->shutdown(finish);
  finish();
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::create(ServerConfig config, std::string* message) {
  auto impl = std::make_unique<Impl>(std::move(config));
  std::string local;
  if (!impl->build(message ? message : &local))
    return Error{Errc::bad_config, 0, "start-up failed"};
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

std::string Engine::ready_line() const {
  return impl_->ready().dump();
}

void Engine::run() {
  impl_->loop.run();
  impl_->writes->stop();
  log_info("stopped");
}

void Engine::stop() {
  Impl* impl = impl_.get();
  impl->loop.post([impl] { impl->drain_and_stop(); });
}

}  // namespace sip::engine
