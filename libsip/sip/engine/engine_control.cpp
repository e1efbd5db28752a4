// The engine's control socket: the command registry over the engine's parts,
// with the engine's reload and stats hooks; the HTTP API (when configured)
// runs the same registry's commands. On PostgreSQL the read-only commands
// (kReaderMethods) are answered off the core thread, through a second
// registry over a read-only connection of their own, so that a database that
// hangs delays them and not SIP; the HTTP API's do the same on a thread and
// connection of its own (ReaderThread), with its customer look-ups; the
// others are refused at once while the write queue finds the database
// unavailable (guard_store_commands).
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "sip/base/log.hpp"
#include "sip/control/context.hpp"
#include "sip/control/registry.hpp"
#include "sip/control/server.hpp"
#include "sip/engine/engine_impl.hpp"
#include "sip/http/server.hpp"
#include "sip/store/pg_store.hpp"

namespace sip::engine {
namespace {

// Commands that only read the store (no Directory, registrar or calls).
const std::set<std::string, std::less<>> kReaderMethods = {
    "account.count", "account.get",   "account.list", "cdr.count",     "cdr.list",
    "customer.get",  "customer.list", "dialplan.get", "dialplan.list", "domain.list",
    "export",        "kv.get",        "kv.keys",      "provider.get",  "provider.list"};

// Commands that touch no store (the others are refused at once while the
// write queue finds PostgreSQL unavailable).
const std::set<std::string, std::less<>> kMemoryMethods = {
    "call.blindtransfer", "call.callback",     "call.dualtransfer", "call.hangup",
    "call.list",          "console.subscribe", "provider.status",   "stats"};

// One thread running posted functions in order. stop() drops those still
// queued (their waiters time out or are released by their CoreBridge) and
// joins.
class ReaderThread {
 public:
  ReaderThread() : thread_([this] { run(); }) {}
  ~ReaderThread() { stop(); }
  ReaderThread(const ReaderThread&) = delete;
  ReaderThread& operator=(const ReaderThread&) = delete;

  void post(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    jobs_.push_back(std::move(fn));
    cv_.notify_one();
  }
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      jobs_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopped_ || !jobs_.empty(); });
        if (stopped_) return;
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      fn();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopped_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

// A read-only connection of its own and the commands over it.
struct Reader {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<control::Context> context;
  control::CommandRegistry registry;
};

// Opens a Reader on `engine`'s database; null (logged) when it cannot.
std::unique_ptr<Reader> open_reader(Engine::Impl& engine, const char* who) {
  store::PgOptions pg = engine.config.postgres;
  pg.read_only = true;
  auto opened = store::postgres_factory(pg)();
  if (!opened) {
    log(LogLevel::Warn, "engine",
        std::string(who) +
            " read the store on the core thread: " + std::string(opened.error().detail));
    return nullptr;
  }
  auto r = std::make_unique<Reader>();
  r->store = std::move(*opened);
  r->context = std::make_unique<control::Context>(
      control::Context{*r->store, engine.directory, nullptr, {}, {}, nullptr});
  control::register_commands(r->registry, *r->context);
  return r;
}

}  // namespace

class ControlHost {
 public:
  explicit ControlHost(Engine::Impl& engine)
      : context_{*engine.store,       engine.directory, engine.registrar.get(), {}, {},
                 &engine.loop.clock()} {
    context_.reload = [&engine]() -> Result<void> { return engine.reload(); };
    context_.stats = [&engine] { return engine.stats(); };
    context_.max_legs = [&engine] { return engine.config.b2bua.max_legs; };
    context_.fraud = [&engine] { return engine.config.b2bua.fraud; };
    context_.calls = engine.calls.get();
    context_.provider_agent = engine.provider_agent.get();
    context_.events = &engine.events;
    const bool pg = !engine.config.postgres.url.empty();
    if (pg) {
      control::register_commands(direct_, context_);
      guard_store_commands(engine);
    } else {
      control::register_commands(registry_, context_);
    }
    control::ServerOptions options;
    options.path = engine.config.control.socket;
    options.mode = engine.config.control.mode;
    if (pg && (control_reader_ = open_reader(engine, "read-only control commands"))) {
      options.reader = &control_reader_->registry;
      options.reader_methods = kReaderMethods;
    }
    server_ = std::make_unique<control::ControlServer>(engine.loop, options, registry_);
    http_ = std::make_unique<http::HttpServer>(
        engine.config.http,
        [&engine](std::function<void()> fn) { engine.loop.post(std::move(fn)); }, registry_,
        *engine.store);
    // The HTTP API when it is configured at start (one enabled later by a
    // reload reads on the core thread).
    if (pg && !engine.config.http.bind.empty() &&
        (http_reader_ = open_reader(engine, "the HTTP API's requests"))) {
      http_thread_ = std::make_unique<ReaderThread>();
      ReaderThread* thread = http_thread_.get();
      http_->set_reader({[thread](std::function<void()> fn) { thread->post(std::move(fn)); },
                         &http_reader_->registry, http_reader_->store.get(), kReaderMethods});
    }
  }
  Result<void> start() { return server_->start(); }
  Result<void> start_http(const http::Options& options) {
    return options.bind.empty() ? Result<void>{} : http_->start();
  }
  Result<void> reconfigure_http(const http::Options& options) {
    return http_->reconfigure(options);
  }
  control::CommandResult call(std::string_view method, const nlohmann::json& params) {
    return registry_.call(method, params);
  }
  void stop() {
    http_->stop();
    if (http_thread_) http_thread_->stop();
    server_->stop();
  }

 private:
  // PostgreSQL: registry_ answers through direct_, except that a command
  // using the core thread's connection is refused at once while the write
  // queue finds the database unavailable (it would wait for a deadline on
  // the core thread, and fail).
  void guard_store_commands(Engine::Impl& engine) {
    for (const std::string& m : direct_.methods()) {
      if (const control::StreamHandler* stream = direct_.stream(m)) {
        registry_.add_stream(m, *stream);
      } else if (kMemoryMethods.count(m) != 0) {
        registry_.add(m, [this, m](const nlohmann::json& p) { return direct_.call(m, p); });
      } else {
        registry_.add(m, [this, &engine, m](const nlohmann::json& p) -> control::CommandResult {
          if (engine.writes && engine.writes->stats().unavailable) {
            return control::CommandResult::fail(
                Errc::network,
                "the store is unavailable (writes are queued and replayed when it answers); "
                "try again later");
          }
          return direct_.call(m, p);
        });
      }
    }
  }

  // Declared before the servers: destroyed after them (their threads are
  // joined first).
  std::unique_ptr<Reader> control_reader_;
  std::unique_ptr<Reader> http_reader_;
  std::unique_ptr<ReaderThread> http_thread_;
  control::Context context_;
  control::CommandRegistry direct_;  // PostgreSQL: the commands registry_ guards
  control::CommandRegistry registry_;
  std::unique_ptr<control::ControlServer> server_;
  std::unique_ptr<http::HttpServer> http_;
};

// Built and destroyed here, where ControlHost is a complete type.
Engine::Impl::Impl(ServerConfig cfg) : config(std::move(cfg)) {}

Engine::Impl::~Impl() {
  stop_control();
  control.reset();
  provider_agent.reset();  // its sessions hold client transactions
  registrar.reset();
  txn.reset();
  if (transport) transport->shutdown();
  transport.reset();
  if (writes) writes->stop();
}

bool Engine::Impl::start_control(std::string* message) {
  control = std::make_unique<ControlHost>(*this);
  if (auto r = control->start(); !r) {
    *message = "cannot open the control socket " + config.control.socket + ": " +
               std::string(r.error().detail);
    return false;
  }
  if (auto r = control->start_http(config.http); !r) {
    *message = "cannot serve HTTP on " + config.http.bind + ": " + std::string(r.error().detail);
    return false;
  }
  return true;
}

void Engine::Impl::apply_http(const http::Options& options) {
  if (auto r = control->reconfigure_http(options); !r)
    log(LogLevel::Error, "engine",
        "reload: cannot serve HTTP on " + options.bind + ": " + std::string(r.error().detail));
  config.http = options;
}

Result<void> Engine::import_file(const std::string& path, std::string* summary) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *summary = "cannot read " + path;
    return Error{Errc::not_found, 0, "cannot read the import file"};
  }
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, false, /*ignore_comments=*/true);
  if (doc.is_discarded()) {
    *summary = path + ": not valid JSON";
    return Error{Errc::invalid_argument, 0, "import file is not JSON"};
  }
  auto result = impl_->control->call("import", {{"document", std::move(doc)}});
  if (!result.ok()) {
    *summary = path + ": " + result.error().code + ": " + result.error().message;
    return Error{Errc::invalid_argument, 0, "import failed"};
  }
  *summary = result.value().dump();
  return {};
}

void Engine::Impl::stop_control() {
  if (control) control->stop();
}

}  // namespace sip::engine
