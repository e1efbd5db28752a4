// The engine's control socket: the command registry over the engine's parts,
// with the engine's reload and stats hooks; the HTTP API (when configured)
// runs the same registry's commands. On PostgreSQL the read-only commands
// (kReaderMethods) are answered off the core thread, through a second
// registry over a read-only connection of their own, so that a database that
// hangs delays them and not SIP.
#include <fstream>
#include <set>

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
    control::register_commands(registry_, context_);
    control::ServerOptions options;
    options.path = engine.config.control.socket;
    options.mode = engine.config.control.mode;
    if (!engine.config.postgres.url.empty()) open_reader(engine, options);
    server_ = std::make_unique<control::ControlServer>(engine.loop, options, registry_);
    http_ = std::make_unique<http::HttpServer>(
        engine.config.http,
        [&engine](std::function<void()> fn) { engine.loop.post(std::move(fn)); }, registry_,
        *engine.store);
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
    server_->stop();
  }

 private:
  // The reader methods' connection (read-only: snapshots, no migrations),
  // used on the control server's reader thread only. Without it (the
  // database did not answer at start) they run on the core thread.
  void open_reader(Engine::Impl& engine, control::ServerOptions& options) {
    store::PgOptions pg = engine.config.postgres;
    pg.read_only = true;
    auto opened = store::postgres_factory(pg)();
    if (!opened) {
      log(LogLevel::Warn, "engine",
          "read-only control commands run on the core thread: " +
              std::string(opened.error().detail));
      return;
    }
    reader_store_ = std::move(*opened);
    reader_context_ = std::make_unique<control::Context>(
        control::Context{*reader_store_, engine.directory, nullptr, {}, {}, nullptr});
    control::register_commands(reader_registry_, *reader_context_);
    options.reader = &reader_registry_;
    options.reader_methods = kReaderMethods;
  }

  // Declared before server_: destroyed after it (its reader thread is joined).
  std::unique_ptr<store::Store> reader_store_;
  std::unique_ptr<control::Context> reader_context_;
  control::CommandRegistry reader_registry_;
  control::Context context_;
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
