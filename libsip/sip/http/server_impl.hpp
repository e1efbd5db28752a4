// Private to the http module's .cpp files: the server's state shared by the
// request handlers (provisioning.cpp, api_v1.cpp) and the helpers they use
// to authenticate, run commands on the core thread and answer.
// Thread-safety: handlers run on httplib's worker threads; everything here
// they touch is thread-safe (mutexes, CoreBridge).
#pragma once

#include <httplib.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "sip/control/registry.hpp"
#include "sip/http/core_bridge.hpp"
#include "sip/http/event_stream.hpp"
#include "sip/http/server.hpp"
#include "sip/http/sessions.hpp"

namespace sip::http {

using nlohmann::json;

struct HttpServer::Impl {
  Impl(Options o, Post p, const control::CommandRegistry& r, store::Store& s)
      : options(std::move(o)), post(std::move(p)), registry(r), store(s) {}

  Options current_options() {
    std::lock_guard lock(options_mu);
    return options;
  }

  // Runs `method` on the core thread; an "unavailable" error when the core
  // thread does not answer within options.core_timeout or the server stops.
  control::CommandResult call(const std::string& method, const json& params);
  // The same for several commands run as one unit on the core thread (a
  // tenant check and the change it guards, with nothing in between).
  using CoreJob = std::function<control::CommandResult(const control::CommandRegistry&)>;
  control::CommandResult run(CoreJob job);
  // The principal of the request's session (authid header, cookie or
  // query parameter) or API key (apikey header or query parameter, or
  // "Authorization: Bearer"); nullopt when none is valid. Both are checked
  // against the stored customer on every request: a disabled or removed
  // customer's sessions end and its API key stops working at once. With
  // `unavailable`, it is set when the store or core did not answer (the
  // caller then answers 503, not 401).
  std::optional<Principal> authenticate(const httplib::Request& req, bool* unavailable = nullptr);
  // Checks `username`/`password` (rate limits first); on success a new
  // session's authid. `status`/`error` set on failure. Never logs the password.
  std::optional<std::string> login(const std::string& source, const std::string& username,
                                   const std::string& password, int* status, json* error);

  std::mutex options_mu;
  Options options;
  Post post;
  const control::CommandRegistry& registry;
  store::Store& store;
  Sessions sessions;
  RateLimiter by_source, by_user;
  EventStreams streams;  // GET /api/v1/events (event_stream.cpp)
  std::shared_ptr<CoreBridge> bridge;
  std::optional<Reader> reader;               // set_reader()
  std::shared_ptr<CoreBridge> reader_bridge;  // onto reader->post, while started
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  std::string address;
};

// ---- answers (one error shape: {"error":{"code","message"}})
json error_body(std::string_view code, std::string_view message);
int status_for(std::string_view code);
void reply_json(httplib::Response& res, int status, const json& body);
void reply_error(httplib::Response& res, std::string_view code, std::string_view message);
// The command's value, or its error answered (false).
bool reply_failed(httplib::Response& res, const control::CommandResult& r);

// A request value: query/form parameter first, then a header, then a
// cookie of that name (any case for headers).
std::string credential(const httplib::Request& req, const std::string& name);
// Non-negative integer parameter; `fallback` when absent; nullopt when bad.
std::optional<long long> int_param(const httplib::Request& req, const char* name,
                                   long long fallback, long long max);

// Route registration (provisioning.cpp, api_v1.cpp).
void add_provisioning_routes(HttpServer::Impl& impl, httplib::Server& server);
void add_api_v1_routes(HttpServer::Impl& impl, httplib::Server& server);

}  // namespace sip::http
