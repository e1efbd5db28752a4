// The versioned JSON API under /api/v1 (docs/http-api.md): the control
// commands' own JSON shapes (snake_case) over REST paths, sessions or API
// keys, one error shape. Tenant rule: a customer's requests always carry
// its own user name as "owner"; records addressed by another key (SIP
// accounts) are checked on the core thread in the same job as the change,
// and another tenant's record is answered 404, as if it did not exist.
#include "sip/http/api_v1.hpp"

#include <optional>
#include <regex>
#include <string_view>

#include "sip/http/event_stream.hpp"

namespace sip::http {
namespace {

using control::CommandError;
using control::CommandRegistry;
using control::CommandResult;

constexpr long long kDefaultCdrPage = 100;
constexpr long long kMaxCdrPage = 1000;

// "source: line 3:7: unexpected symbol" -> field, line, column.
json error_json(const CommandError& e) {
  json out = error_body(e.code, e.message);
  static const std::regex kWhere(R"(^(\w+): line (\d+)(?::(\d+))?: )");
  std::smatch m;
  if (e.code == "invalid_argument" && std::regex_search(e.message, m, kWhere)) {
    out["error"]["field"] = m[1].str();
    out["error"]["line"] = std::stoi(m[2].str());
    if (m[3].matched) out["error"]["column"] = std::stoi(m[3].str());
  }
  return out;
}

void answer(ApiCall& c, const CommandResult& r, int ok_status = 200) {
  if (r.ok()) return reply_json(c.res, ok_status, r.value());
  reply_json(c.res, status_for(r.error().code), error_json(r.error()));
}

std::string capture(const ApiCall& c, std::size_t i = 1) {
  return i < c.req.matches.size() ? c.req.matches[i].str() : std::string();
}

// The owner a request acts for: always the customer itself; an admin names
// one with ?owner= or a body "owner" (default: itself).
std::string owner_of(const ApiCall& c) {
  if (!c.who.admin) return c.who.username;
  if (c.req.has_param("owner")) return c.req.get_param_value("owner");
  if (c.body.is_object() && c.body.contains("owner") && c.body["owner"].is_string())
    return c.body["owner"].get<std::string>();
  return c.who.username;
}

// List filter: a customer's own records; an admin's ?owner= or everything.
json list_params(const ApiCall& c) {
  if (!c.who.admin) return {{"owner", c.who.username}};
  if (c.req.has_param("owner")) return {{"owner", c.req.get_param_value("owner")}};
  return json::object();
}

json body_with(const ApiCall& c, json extra) {
  json p = c.body.is_object() ? c.body : json::object();
  for (auto& [k, v] : extra.items()) p[k] = v;
  return p;
}

// ---- SIP accounts, addressed as user@domain

CommandResult not_found_account(const std::string& id) {
  return CommandError{"not_found", "account '" + id + "' not found"};
}

// Runs `method` on account `id` after checking, in the same core job, that
// the caller owns it (an admin owns everything).
void account_op(ApiCall& c, const std::string& method, json params) {
  const std::string id = capture(c);
  const std::size_t at = id.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == id.size())
    return reply_error(c.res, "invalid_argument", "an account is addressed as user@domain");
  params["username"] = id.substr(0, at);
  params["domain"] = id.substr(at + 1);
  if (!c.who.admin) params.erase("owner");
  const Principal who = c.who;
  auto r = c.impl.run([who, id, method, params](const CommandRegistry& reg) -> CommandResult {
    CommandResult got =
        reg.call("account.get", {{"username", params["username"]}, {"domain", params["domain"]}});
    if (!got.ok()) return got;
    if (!who.admin && got.value().value("owner", "") != who.username) return not_found_account(id);
    if (method == "account.get") return got;
    return reg.call(method, params);
  });
  answer(c, r);
}

// ---- CDRs with cursor pagination ("<created>.<id>" of the last row)

bool add_int(ApiCall& c, json& p, const char* name) {
  if (!c.req.has_param(name)) return true;
  auto v = int_param(c.req, name, 0, INT64_MAX);
  if (!v) {
    reply_error(c.res, "invalid_argument", std::string(name) + ": expected an integer");
    return false;
  }
  p[name] = *v;
  return true;
}

void list_cdrs(ApiCall& c) {
  json p = list_params(c);
  for (const char* name : {"direction", "account", "call_id", "bridge_id"})
    if (c.req.has_param(name)) p[name] = c.req.get_param_value(name);
  for (const char* name : {"since", "until", "status_min", "status_max", "min_talk"})
    if (!add_int(c, p, name)) return;
  if (c.req.has_param("ended_only"))
    p["ended_only"] = c.req.get_param_value("ended_only") == "true";
  auto limit = int_param(c.req, "limit", kDefaultCdrPage, kMaxCdrPage);
  if (!limit || *limit == 0)
    return reply_error(c.res, "invalid_argument", "limit: expected 1..1000");
  p["limit"] = *limit;
  if (const std::string cur = c.req.get_param_value("cursor"); !cur.empty()) {
    const std::size_t dot = cur.find('.');
    const std::string created = cur.substr(0, dot);
    if (dot == std::string::npos || created.empty() || created.size() > 18 ||
        created.find_first_not_of("0123456789") != std::string::npos || dot + 1 == cur.size())
      return reply_error(c.res, "invalid_argument", "cursor: not one this API returned");
    p["after_created"] = std::stoll(created);
    p["after_id"] = cur.substr(dot + 1);
  }
  auto r = c.impl.call("cdr.list", p);
  if (!r.ok()) return answer(c, r);
  const json& rows = r.value();
  json out = {{"items", rows}, {"next_cursor", nullptr}};
  if (static_cast<long long>(rows.size()) == *limit && !rows.empty()) {
    const json& last = rows.back();
    out["next_cursor"] = std::to_string(last.value("created", std::int64_t{0})) + "." +
                         last.value("id", std::string());
  }
  reply_json(c.res, 200, out);
}

// ---- named records of one owner (providers, dial plans, kv keys)

std::function<void(ApiCall&)> item(const char* method, const char* key, bool with_body) {
  return [method, key, with_body](ApiCall& c) {
    json p = with_body ? body_with(c, {}) : json::object();
    p["owner"] = owner_of(c);
    p[key] = capture(c);
    answer(c, c.impl.call(method, p));
  };
}

std::function<void(ApiCall&)> list(const char* method) {
  return [method](ApiCall& c) { answer(c, c.impl.call(method, list_params(c))); };
}

std::function<void(ApiCall&)> add(const char* method) {
  return [method](ApiCall& c) {
    answer(c, c.impl.call(method, body_with(c, {{"owner", owner_of(c)}})), 201);
  };
}

// ---- calls in progress and call control: every "call.<action>" command of
// the registry (call.hangup, and the call control commands as they are
// added) is reachable without code of its own here. By the registry's
// contract each call.* command takes "owner" and acts only on that
// customer's calls; a customer's requests always carry its own.

constexpr std::string_view kCallPrefix = "call.";

bool valid_action(const std::string& a) {
  return !a.empty() && a.size() <= 64 &&
         a.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos && a != "list";
}

void call_action(ApiCall& c, const std::string& action, std::optional<std::string> id) {
  if (!valid_action(action)) return reply_error(c.res, "not_found", "no such call action");
  json p = body_with(c, {});
  if (!c.who.admin)
    p["owner"] = c.who.username;
  else if (c.req.has_param("owner"))
    p["owner"] = c.req.get_param_value("owner");
  if (id) {
    if (id->empty() || id->size() > 18 || id->find_first_not_of("0123456789") != std::string::npos)
      return reply_error(c.res, "invalid_argument", "a call is addressed by its id (GET calls)");
    p["id"] = std::stoll(*id);
  }
  const std::string method = std::string(kCallPrefix) + action;
  auto r = c.impl.run([method, p](const CommandRegistry& reg) -> CommandResult {
    if (!reg.contains(method)) return CommandError{"not_found", "no such call action"};
    return reg.call(method, p);
  });
  answer(c, r);
}

// provider.status of one provider: its binding, or 404 when it has none.
void provider_binding(ApiCall& c) {
  const std::string name = capture(c);
  auto r = c.impl.call("provider.status", {{"owner", owner_of(c)}, {"name", name}});
  if (!r.ok()) return answer(c, r);
  if (r.value().empty())
    return reply_error(c.res, "not_found", "provider '" + name + "' has no registration");
  reply_json(c.res, 200, r.value().front());
}

// The OpenAPI document with the registry's call actions.
void openapi(ApiCall& c) {
  auto r = c.impl.run([](const CommandRegistry& reg) -> CommandResult {
    json actions = json::array();
    for (const auto& m : reg.methods()) {
      if (m.rfind(kCallPrefix, 0) != 0) continue;
      const std::string a = m.substr(kCallPrefix.size());
      if (valid_action(a)) actions.push_back(a);
    }
    return actions;
  });
  if (!r.ok()) return answer(c, r);
  reply_json(c.res, 200, openapi_document(r.value().get<std::vector<std::string>>()));
}

// ---- sessions and customers

void create_session(ApiCall& c) {
  int status = 0;
  json error;
  const std::string user = c.body.value("username", std::string());
  const std::string password = c.body.value("password", std::string());
  auto id = c.impl.login(c.req.remote_addr, user, password, &status, &error);
  if (!id) return reply_json(c.res, status, error);
  reply_json(c.res, 201,
             {{"authid", *id}, {"expires_in", c.impl.current_options().session_lifetime.count()}});
}

void end_session(ApiCall& c) {
  const std::string id = credential(c.req, "authid");
  if (id.empty() || !c.impl.sessions.end(id))
    return reply_error(c.res, "not_found", "the request names no session (authid)");
  reply_json(c.res, 200, {{"ended", true}});
}

void get_customer(ApiCall& c) {
  const std::string name = capture(c);
  if (!c.who.admin && name != c.who.username)
    return reply_error(c.res, "not_found", "customer '" + name + "' not found");
  answer(c, c.impl.call("customer.get", {{"username", name}}));
}

std::function<void(ApiCall&)> customer_op(const char* method, bool with_body) {
  return [method, with_body](ApiCall& c) {
    json p = with_body ? body_with(c, {}) : json::object();
    p["username"] = capture(c);
    answer(c, c.impl.call(method, p));
  };
}

std::vector<ApiRoute> build_routes() {
  const Access open = Access::Open, cust = Access::Customer, admin = Access::Admin;
  return {
      {"POST", "/api/v1/sessions", "Log in: {username, password} -> {authid, expires_in}", open,
       create_session},
      {"DELETE", "/api/v1/sessions/current", "Log out the request's authid", cust, end_session},
      {"GET", "/api/v1/me", "The caller", cust,
       [](ApiCall& c) {
         reply_json(c.res, 200, {{"username", c.who.username}, {"admin", c.who.admin}});
       }},
      {"GET", "/api/v1/customers", "Customers", admin, list("customer.list")},
      {"POST", "/api/v1/customers", "Add a customer", admin,
       [](ApiCall& c) { answer(c, c.impl.call("customer.add", body_with(c, {})), 201); }},
      {"GET", "/api/v1/customers/{username}", "A customer (a customer: only itself)", cust,
       get_customer},
      {"PATCH", "/api/v1/customers/{username}", "Change a customer", admin,
       customer_op("customer.update", true)},
      {"DELETE", "/api/v1/customers/{username}", "Remove a customer", admin,
       customer_op("customer.remove", false)},
      {"GET", "/api/v1/accounts", "SIP accounts", cust, list("account.list")},
      {"POST", "/api/v1/accounts", "Add a SIP account", cust, add("account.add")},
      {"GET", "/api/v1/accounts/{account}", "A SIP account (user@domain)", cust,
       [](ApiCall& c) { account_op(c, "account.get", json::object()); }},
      {"PATCH", "/api/v1/accounts/{account}", "Change a SIP account", cust,
       [](ApiCall& c) { account_op(c, "account.update", body_with(c, {})); }},
      {"DELETE", "/api/v1/accounts/{account}", "Remove a SIP account", cust,
       [](ApiCall& c) { account_op(c, "account.remove", json::object()); }},
      {"GET", "/api/v1/providers", "SIP providers", cust, list("provider.list")},
      {"POST", "/api/v1/providers", "Add a SIP provider", cust, add("provider.add")},
      {"GET", "/api/v1/providers/{name}", "A SIP provider", cust,
       item("provider.get", "name", false)},
      {"PATCH", "/api/v1/providers/{name}", "Change a SIP provider", cust,
       item("provider.update", "name", true)},
      {"DELETE", "/api/v1/providers/{name}", "Remove a SIP provider", cust,
       item("provider.remove", "name", false)},
      {"GET", "/api/v1/dialplans", "Dial plans", cust, list("dialplan.list")},
      {"POST", "/api/v1/dialplans",
       "Add a dial plan (compiled on save; errors carry line and column)", cust,
       add("dialplan.add")},
      {"GET", "/api/v1/dialplans/{name}", "A dial plan with its source", cust,
       item("dialplan.get", "name", false)},
      {"PATCH", "/api/v1/dialplans/{name}", "Change a dial plan", cust,
       item("dialplan.update", "name", true)},
      {"DELETE", "/api/v1/dialplans/{name}", "Remove a dial plan", cust,
       item("dialplan.remove", "name", false)},
      {"GET", "/api/v1/bindings", "Registrar bindings", cust, list("binding.list")},
      {"GET", "/api/v1/provider_bindings",
       "Provider registrations: state, reason, contact, registered_until, next_attempt", cust,
       list("provider.status")},
      {"GET", "/api/v1/providers/{name}/status", "One provider's registration", cust,
       provider_binding},
      {"GET", "/api/v1/calls", "Calls in progress", cust, list("call.list")},
      {"DELETE", "/api/v1/calls/{id}", "Hang a call up (call.hangup)", cust,
       [](ApiCall& c) { call_action(c, "hangup", capture(c)); }},
      // Before the {id}/{action} route: httplib tries routes in this order.
      {"POST", "/api/v1/calls/actions/{action}",
       "Run call.<action> that names no single call (the body's fields)", cust,
       [](ApiCall& c) { call_action(c, capture(c), std::nullopt); }},
      {"POST", "/api/v1/calls/{id}/{action}",
       "Run call.<action> on one call: the body's fields plus its id", cust,
       [](ApiCall& c) { call_action(c, capture(c, 2), capture(c)); }},
      {"GET", "/api/v1/cdrs",
       "CDRs newest first: filters direction, account, call_id, bridge_id, since, until "
       "(unix ms), status_min, status_max, min_talk, ended_only; limit and cursor",
       cust, list_cdrs},
      {"GET", "/api/v1/cdrs/count", "How many CDRs", cust,
       [](ApiCall& c) { answer(c, c.impl.call("cdr.count", list_params(c))); }},
      {"GET", "/api/v1/kv", "Dial plan key/value store: the keys", cust,
       [](ApiCall& c) {
         answer(c, c.impl.call("kv.keys", {{"owner", owner_of(c)}}));
       }},
      {"GET", "/api/v1/kv/{key}", "A key's value", cust, item("kv.get", "key", false)},
      {"PUT", "/api/v1/kv/{key}", "Write a key: {value}", cust, item("kv.put", "key", true)},
      {"DELETE", "/api/v1/kv/{key}", "Remove a key", cust, item("kv.remove", "key", false)},
      {"GET", "/api/v1/events",
       "Live console events as Server-Sent Events: filter (the console's filter language), "
       "queue; an admin may name an owner",
       cust, stream_events},
      {"GET", "/api/v1/openapi.json", "This API as OpenAPI 3", open, openapi},
  };
}

std::string path_regex(const std::string& path) {
  static const std::regex kParam(R"(\{[a-z_]+\})");
  return std::regex_replace(path, kParam, "([^/]+)");
}

}  // namespace

const std::vector<ApiRoute>& api_v1_routes() {
  static const std::vector<ApiRoute> routes = build_routes();
  return routes;
}

void add_api_v1_routes(HttpServer::Impl& impl, httplib::Server& svr) {
  for (const ApiRoute& route : api_v1_routes()) {
    auto handler = [&impl, &route](const httplib::Request& req, httplib::Response& res) {
      ApiCall c{impl, req, res, {}, json::object()};
      if (route.access != Access::Open) {
        bool unavailable = false;
        auto who = impl.authenticate(req, &unavailable);
        if (!who && unavailable)
          return reply_error(res, "unavailable", "the store did not answer in time; try again");
        if (!who) return reply_error(res, "unauthorized", "a valid authid or API key is required");
        if (route.access == Access::Admin && !who->admin)
          return reply_error(res, "forbidden", "administrators only");
        c.who = *who;
      }
      const std::string m = req.method;
      if (m == "POST" || m == "PUT" || m == "PATCH") {
        // Only JSON: another site's form (a "simple" request a browser sends
        // without a CORS preflight, with cookies) cannot change anything.
        const std::string type = req.get_header_value("Content-Type");
        if (!req.body.empty() && type.rfind("application/json", 0) != 0)
          return reply_error(res, "invalid_request", "the body must be application/json");
        c.body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
        if (!c.body.is_object())
          return reply_error(res, "invalid_request", "the body must be a JSON object");
      }
      route.handle(c);
    };
    const std::string pattern = path_regex(route.path);
    const std::string m = route.method;
    if (m == "GET") svr.Get(pattern, handler);
    if (m == "POST") svr.Post(pattern, handler);
    if (m == "PUT") svr.Put(pattern, handler);
    if (m == "PATCH") svr.Patch(pattern, handler);
    if (m == "DELETE") svr.Delete(pattern, handler);
  }
}

}  // namespace sip::http
