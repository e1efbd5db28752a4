#include "sip/http/server.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "sip/auth/password.hpp"
#include "sip/base/log.hpp"
#include "sip/control/password_params.hpp"
#include "sip/http/server_impl.hpp"
#include "sip/store/store.hpp"

namespace sip::http {
namespace {

constexpr std::string_view kModule = "http";

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The value of cookie `name` in a Cookie header ("a=1; authid=x").
std::string cookie(const httplib::Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string item = header.substr(pos, end - pos);
    item.erase(0, item.find_first_not_of(' '));
    const std::size_t eq = item.find('=');
    if (eq != std::string::npos && lower(item.substr(0, eq)) == name) return item.substr(eq + 1);
    pos = end + 1;
  }
  return {};
}

// CORS: the origin to allow ("" = no CORS headers): the request's origin
// when listed; "*" when only the wildcard matches (browsers then send no
// cookies, and the answer says so: no Allow-Credentials).
std::string allowed_origin(const Options& o, const std::string& origin) {
  if (origin.empty()) return {};
  const std::string l = lower(origin);
  bool any = false;
  for (const auto& allowed : o.cors_origins) {
    if (lower(allowed) == l) return origin;
    any = any || allowed == "*";
  }
  return any ? "*" : std::string();
}

struct CustomerAuth {
  bool found = false;
  bool store_error = false;  // the lookup failed (not: no such customer)
  Principal who;
  bool disabled = false;
  std::string password_hash;
};

CustomerAuth to_auth(const store::Customer& c) {
  return {true, false, Principal{c.id, c.username, c.admin}, c.disabled, c.password_hash};
}

}  // namespace

bool split_bind(const std::string& bind, std::string* host, int* port) {
  const std::size_t colon = bind.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= bind.size()) return false;
  std::string h = bind.substr(0, colon);
  if (h.front() == '[') {
    if (h.back() != ']') return false;
    h = h.substr(1, h.size() - 2);
  }
  const std::string p = bind.substr(colon + 1);
  if (p.size() > 5 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  const int n = std::stoi(p);
  if (n > 65535) return false;
  *host = h;
  *port = n;
  return true;
}

// ---- answers

json error_body(std::string_view code, std::string_view message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

int status_for(std::string_view code) {
  if (code == "invalid_argument" || code == "invalid_request" || code == "parse_error") return 400;
  if (code == "unauthorized" || code == "auth_failed") return 401;
  if (code == "forbidden") return 403;
  if (code == "not_found" || code == "unknown_method") return 404;
  if (code == "conflict") return 409;
  if (code == "limit_reached") return 409;
  if (code == "rate_limited") return 429;
  if (code == "unavailable") return 503;
  return 500;
}

void reply_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void reply_error(httplib::Response& res, std::string_view code, std::string_view message) {
  reply_json(res, status_for(code), error_body(code, message));
}

bool reply_failed(httplib::Response& res, const control::CommandResult& r) {
  if (r.ok()) return false;
  reply_error(res, r.error().code, r.error().message);
  return true;
}

std::string credential(const httplib::Request& req, const std::string& name) {
  if (req.has_param(name.c_str())) return req.get_param_value(name.c_str());
  if (req.has_header(name.c_str())) return req.get_header_value(name.c_str());
  return cookie(req, name);
}

std::optional<long long> int_param(const httplib::Request& req, const char* name,
                                   long long fallback, long long max) {
  if (!req.has_param(name)) return fallback;
  const std::string v = req.get_param_value(name);
  if (v.empty()) return fallback;
  if (v.size() > 18 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const long long n = std::stoll(v);
  return n > max ? max : n;
}

// ---- Impl

control::CommandResult HttpServer::Impl::call(const std::string& method, const json& params) {
  if (std::shared_ptr<CoreBridge> rb = reader_bridge; rb && reader->methods.count(method) != 0) {
    const control::CommandRegistry* reg = reader->registry;
    auto r =
        rb->run<control::CommandResult>([reg, method, params] { return reg->call(method, params); },
                                        current_options().core_timeout);
    if (!r) return control::CommandError{"timed_out", "the store did not answer in time"};
    return std::move(*r);
  }
  if (!control::has_password_params(method, params))
    return run(
        [method, params](const control::CommandRegistry& reg) { return reg.call(method, params); });
  // PBKDF2 here, on the worker thread: the core thread gets the hash.
  std::string generated;
  auto hashed = control::hash_password_params(method, params, 0, &generated);
  if (!hashed.ok()) return hashed;
  auto r = run([method, p = std::move(hashed.value())](const control::CommandRegistry& reg) {
    return reg.call(method, p);
  });
  if (r.ok() && !generated.empty() && r.value().is_object()) r.value()["password"] = generated;
  return r;
}

control::CommandResult HttpServer::Impl::run(CoreJob job) {
  const auto limit = current_options().core_timeout;
  std::shared_ptr<CoreBridge> b = bridge;
  if (!b) return control::CommandError{"unavailable", "the server is stopping"};
  const control::CommandRegistry* reg = &registry;
  auto r = b->run<control::CommandResult>([reg, job = std::move(job)] { return job(*reg); }, limit);
  if (!r) return control::CommandError{"unavailable", "the core thread did not answer in time"};
  return std::move(*r);
}

// The customer `found` holds, or why not: a store that failed or did not
// answer (not "no such customer", nor a malformed name or key) is
// remembered so the caller can answer 503 rather than 401.
template <class Found>
CustomerAuth auth_of(const Found& found) {
  if (found) return to_auth(*found);
  CustomerAuth none;
  const Errc e = found.error().code;
  none.store_error = e == Errc::storage || e == Errc::network || e == Errc::timed_out ||
                     e == Errc::closed || e == Errc::limit_reached;
  return none;
}

std::optional<Principal> HttpServer::Impl::authenticate(const httplib::Request& req,
                                                        bool* unavailable) {
  const auto now = std::chrono::steady_clock::now();
  bool ignored = false;
  if (unavailable == nullptr) unavailable = &ignored;
  *unavailable = false;
  // On the reader thread and its connection when there is one.
  std::shared_ptr<CoreBridge> rb = reader_bridge;
  std::shared_ptr<CoreBridge> b = rb ? rb : bridge;
  if (!b) return std::nullopt;
  store::Store* st = rb ? reader->store : &store;
  if (std::string id = credential(req, "authid"); !id.empty()) {
    if (auto who = sessions.find(id, now)) {
      // The customer as stored now: a session of a customer since disabled
      // or removed ends here; a changed admin flag applies at once.
      auto current = b->run<CustomerAuth>(
          [st, cid = who->customer_id] { return auth_of(st->customers().get(cid)); },
          current_options().core_timeout);
      if (!current || current->store_error) {
        *unavailable = true;  // the core or store did not answer: not ended
        return std::nullopt;
      }
      if (!current->found || current->disabled || current->who.username != who->username) {
        sessions.end(id);
        return std::nullopt;
      }
      return current->who;
    }
  }
  std::string key = credential(req, "apikey");
  if (key.empty()) {
    const std::string a = req.get_header_value("Authorization");
    if (a.size() > 7 && lower(a.substr(0, 7)) == "bearer ") key = a.substr(7);
  }
  if (key.empty() || key.size() > 256) return std::nullopt;
  auto found =
      b->run<CustomerAuth>([st, key] { return auth_of(st->customers().find_by_api_key(key)); },
                           current_options().core_timeout);
  if (!found || found->store_error) {
    *unavailable = true;
    return std::nullopt;
  }
  if (!found->found || found->disabled) return std::nullopt;
  return found->who;
}

std::optional<std::string> HttpServer::Impl::login(const std::string& source,
                                                   const std::string& username,
                                                   const std::string& password, int* status,
                                                   json* error) {
  const Options o = current_options();
  const auto now = std::chrono::steady_clock::now();
  if (!by_source.allow(source, o.login_attempts, o.login_window, now) ||
      !by_user.allow(lower(username), o.login_attempts, o.login_window, now)) {
    *status = 429;
    *error = error_body("rate_limited", "too many login attempts; try again later");
    log(LogLevel::Warn, kModule, "login rate limit reached (source " + source + ")");
    return std::nullopt;
  }
  if (username.empty() || username.size() > 64 || password.empty() || password.size() > 1024) {
    *status = 400;
    *error = error_body("invalid_argument", "username and password are required");
    return std::nullopt;
  }
  std::shared_ptr<CoreBridge> rb = reader_bridge;
  std::shared_ptr<CoreBridge> b = rb ? rb : bridge;
  store::Store* st = rb ? reader->store : &store;
  auto found = b ? b->run<CustomerAuth>(
                       [st, name = lower(username)] { return auth_of(st->customers().find(name)); },
                       o.core_timeout)
                 : std::nullopt;
  if (!found || found->store_error) {
    *status = 503;
    *error = error_body("unavailable", "the store did not answer in time; try again");
    return std::nullopt;
  }
  // PBKDF2 runs here, on the worker thread, never on the core thread.
  if (!found->found || found->disabled || !auth::verify_password(found->password_hash, password)) {
    *status = 401;
    *error = error_body("auth_failed", "wrong user name or password");
    log(LogLevel::Info, kModule, "login failed for a user name from " + source);
    return std::nullopt;
  }
  return sessions.create(found->who, o.session_lifetime, now);
}

// ---- HttpServer

HttpServer::HttpServer(Options options, Post post, const control::CommandRegistry& registry,
                       store::Store& store)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(post), registry, store)) {}

HttpServer::~HttpServer() {
  stop();
}

Result<void> HttpServer::start() {
  Impl& impl = *impl_;
  const Options o = impl.current_options();
  std::string host;
  int port = 0;
  if (!split_bind(o.bind, &host, &port))
    return Error{Errc::bad_config, 0, "http.bind: expected host:port"};
  if (o.tls_cert.empty()) {
    impl.server = std::make_unique<httplib::Server>();
  } else {
    auto tls = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
    if (!tls->is_valid())
      return Error{Errc::bad_config, 0,
                   "http.tls_cert/http.tls_key: cannot load the certificate and key"};
    impl.server = std::move(tls);
  }
  impl.bridge = std::make_shared<CoreBridge>(impl.post);
  if (impl.reader) impl.reader_bridge = std::make_shared<CoreBridge>(impl.reader->post);
  auto& svr = *impl.server;
  const std::size_t threads = std::max<std::size_t>(1, o.threads);
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_tcp_nodelay(true);  // small JSON answers: no Nagle delay
  svr.set_keep_alive_timeout(5);
  svr.set_read_timeout(10);
  svr.set_payload_max_length(1 << 20);
  // CORS: allowed origins get the headers; a preflight is answered here.
  svr.set_pre_routing_handler([&impl](const httplib::Request& req, httplib::Response& res) {
    const std::string origin =
        allowed_origin(impl.current_options(), req.get_header_value("Origin"));
    if (!origin.empty()) {
      res.set_header("Access-Control-Allow-Origin", origin);
      if (origin != "*") res.set_header("Access-Control-Allow-Credentials", "true");
      res.set_header("Vary", "Origin");
    }
    if (req.method != "OPTIONS") return httplib::Server::HandlerResponse::Unhandled;
    if (!origin.empty()) {
      res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "authid, apikey, authorization, content-type");
      res.set_header("Access-Control-Max-Age", "600");
    }
    res.status = 204;
    return httplib::Server::HandlerResponse::Handled;
  });
  svr.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        reply_error(res, "internal", "internal error");
      });
  // Unmatched paths get the one error shape too.
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty() && res.status == 404) reply_error(res, "not_found", "no such endpoint");
  });
  add_provisioning_routes(impl, svr);
  add_api_v1_routes(impl, svr);
  if (!svr.bind_to_port(host, port)) {
    impl.server.reset();
    return Error{Errc::network, 0, "cannot bind the HTTP address"};
  }
  impl.address = o.bind;
  impl.thread = std::thread([&svr] { svr.listen_after_bind(); });
  // stop() is only effective once the listener runs: wait for it (bounded).
  for (int i = 0; i < 5000 && !svr.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  log(LogLevel::Info, kModule,
      std::string(o.tls_cert.empty() ? "HTTP" : "HTTPS") + " API on " + o.bind);
  return {};
}

void HttpServer::stop() {
  Impl& impl = *impl_;
  if (impl.bridge) impl.bridge->close();  // releases workers waiting on the core thread
  if (impl.reader_bridge) impl.reader_bridge->close();  // and on the reader
  impl.streams.close_all();                             // and those streaming events
  if (impl.server) impl.server->stop();
  if (impl.thread.joinable()) impl.thread.join();
  impl.server.reset();
  impl.bridge.reset();
  impl.reader_bridge.reset();
}

void HttpServer::set_reader(Reader reader) {
  impl_->reader = std::move(reader);
}

Result<void> HttpServer::reconfigure(Options options) {
  Impl& impl = *impl_;
  const Options old = impl.current_options();
  const bool rebind = options.bind != old.bind || options.tls_cert != old.tls_cert ||
                      options.tls_key != old.tls_key;
  {
    std::lock_guard lock(impl.options_mu);
    impl.options = std::move(options);
  }
  if (!rebind) return {};
  stop();
  if (impl.current_options().bind.empty()) return {};
  return start();
}

std::string HttpServer::address() const {
  return impl_->address;
}

}  // namespace sip::http
