// The SIPSorcery-compatible provisioning endpoints (kProvisioningPrefix):
// customer/login and logout, isalive, and list/count pairs of SIP accounts,
// providers, dial plans, registrar bindings, provider bindings (the
// registration agent's state), current calls and CDRs, in SIPSorcery's
// field names (sipsorcery_json.hpp). Lists page with offset/count (default
// count 25, at most 1000); CDRs newest first. A customer sees only its own
// records, an admin customer everybody's. `where` expressions are refused.
#include <functional>
#include <vector>

#include "sip/http/server_impl.hpp"
#include "sip/http/sipsorcery_json.hpp"

namespace sip::http {
namespace {

constexpr long long kDefaultCount = 25;
constexpr long long kMaxCount = 1000;
constexpr long long kMaxOffset = 1LL << 40;

const std::string kPrefix = R"(/provisioning\.svc/rest/)";

// One listed kind: the command, its mapping and the SIPSorcery path names.
struct Listing {
  std::vector<std::string> list_paths;
  std::vector<std::string> count_paths;
  const char* command;
  std::function<json(const json&)> map;
  bool pages = false;                   // the command takes offset/limit
  const char* count_command = nullptr;  // a {"count": n} command, else the list's size
};

// The tenant filter: a customer's own records, all for an admin.
json owner_params(const Principal& who) {
  return who.admin ? json::object() : json{{"owner", who.username}};
}

bool refuse_where(const httplib::Request& req, httplib::Response& res) {
  for (const char* name : {"where", "whereexpression"}) {
    if (req.has_param(name) && !req.get_param_value(name).empty()) {
      reply_error(res, "invalid_argument", "where expressions are not supported");
      return true;
    }
  }
  return false;
}

// offset/count of a list request; false when answered with an error.
bool paging(const httplib::Request& req, httplib::Response& res, long long* offset,
            long long* count) {
  auto o = int_param(req, "offset", 0, kMaxOffset);
  auto c = int_param(req, "count", kDefaultCount, kMaxCount);
  if (!o || !c) {
    reply_error(res, "invalid_argument", "offset and count must be non-negative integers");
    return false;
  }
  *offset = *o;
  *count = *c <= 0 ? kDefaultCount : *c;
  return true;
}

// The authenticated principal, or a 401 answered (503 when the store or
// core did not answer).
std::optional<Principal> require(HttpServer::Impl& impl, const httplib::Request& req,
                                 httplib::Response& res) {
  bool unavailable = false;
  auto who = impl.authenticate(req, &unavailable);
  if (!who && unavailable)
    reply_error(res, "unavailable", "the store did not answer in time; try again");
  else if (!who)
    reply_error(res, "unauthorized", "a valid authid or apikey is required");
  return who;
}

void add_listing(HttpServer::Impl& impl, httplib::Server& svr, Listing l) {
  auto shared = std::make_shared<Listing>(std::move(l));
  auto list = [&impl, shared](const httplib::Request& req, httplib::Response& res) {
    auto who = require(impl, req, res);
    if (!who || refuse_where(req, res)) return;
    long long offset = 0, count = 0;
    if (!paging(req, res, &offset, &count)) return;
    json params = owner_params(*who);
    if (shared->pages) {  // the command pages: only the page crosses threads
      params["offset"] = offset;
      params["limit"] = count;
      offset = 0;
    }
    auto r = impl.call(shared->command, params);
    if (reply_failed(res, r)) return;
    json out = json::array();
    const json& rows = r.value();
    for (long long i = offset; i < offset + count && i < static_cast<long long>(rows.size()); ++i)
      out.push_back(shared->map(rows[static_cast<std::size_t>(i)]));
    reply_json(res, 200, out);
  };
  auto count = [&impl, shared](const httplib::Request& req, httplib::Response& res) {
    auto who = require(impl, req, res);
    if (!who || refuse_where(req, res)) return;
    if (shared->count_command) {
      auto r = impl.call(shared->count_command, owner_params(*who));
      if (reply_failed(res, r)) return;
      return reply_json(res, 200, r.value().at("count"));
    }
    auto r = impl.call(shared->command, owner_params(*who));
    if (reply_failed(res, r)) return;
    reply_json(res, 200, r.value().size());
  };
  for (const auto& p : shared->list_paths) svr.Get(kPrefix + p, list);
  for (const auto& p : shared->count_paths) svr.Get(kPrefix + p, count);
}

void add_cdrs(HttpServer::Impl& impl, httplib::Server& svr) {
  auto list = [&impl](const httplib::Request& req, httplib::Response& res) {
    auto who = require(impl, req, res);
    if (!who || refuse_where(req, res)) return;
    long long offset = 0, count = 0;
    if (!paging(req, res, &offset, &count)) return;
    json params = owner_params(*who);
    params["order"] = "newest";
    params["limit"] = count;
    params["offset"] = offset;
    auto r = impl.call("cdr.list", params);
    if (reply_failed(res, r)) return;
    json out = json::array();
    for (const auto& c : r.value()) out.push_back(sipsorcery_cdr(c));
    reply_json(res, 200, out);
  };
  auto count = [&impl](const httplib::Request& req, httplib::Response& res) {
    auto who = require(impl, req, res);
    if (!who || refuse_where(req, res)) return;
    auto r = impl.call("cdr.count", owner_params(*who));
    if (reply_failed(res, r)) return;
    reply_json(res, 200, r.value().at("count"));
  };
  svr.Get(kPrefix + "getcdrs", list);
  svr.Get(kPrefix + "getcdrscount", count);
}

}  // namespace

void add_provisioning_routes(HttpServer::Impl& impl, httplib::Server& svr) {
  svr.Get(kPrefix + "isalive",
          [](const httplib::Request&, httplib::Response& res) { reply_json(res, 200, true); });
  auto login = [&impl](const httplib::Request& req, httplib::Response& res) {
    int status = 0;
    json error;
    auto id = impl.login(req.remote_addr, req.get_param_value("username"),
                         req.get_param_value("password"), &status, &error);
    if (!id) return reply_json(res, status, error);
    reply_json(res, 200, *id);  // a JSON string, as SIPSorcery answered
  };
  svr.Get(kPrefix + "customer/login", login);
  svr.Post(kPrefix + "customer/login", login);
  svr.Get(kPrefix + "login", login);
  auto logout = [&impl](const httplib::Request& req, httplib::Response& res) {
    const std::string id = credential(req, "authid");
    if (id.empty() || !impl.sessions.end(id))
      return reply_error(res, "unauthorized", "no such session");
    reply_json(res, 200, true);
  };
  svr.Get(kPrefix + "customer/logout", logout);
  svr.Post(kPrefix + "customer/logout", logout);
  svr.Get(kPrefix + "logout", logout);

  add_listing(impl, svr,
              {{"sipaccounts", "getsipaccounts"},
               {"sipaccounts/count", "getsipaccountscount"},
               "account.list",
               sipsorcery_account,
               true,
               "account.count"});
  add_listing(impl, svr,
              {{"sipproviders", "getsipproviders"},
               {"sipproviders/count", "getsipproviderscount"},
               "provider.list",
               sipsorcery_provider});
  add_listing(impl, svr,
              {{"dialplans", "getdialplans"},
               {"dialplans/count", "getdialplanscount"},
               "dialplan.list",
               sipsorcery_dialplan});
  add_listing(impl, svr,
              {{"sipregistrarbindings", "getsipregistrarbindings"},
               {"sipregistrarbindings/count", "getsipregistrarbindingscount"},
               "binding.list",
               sipsorcery_binding});
  add_listing(impl, svr,
              {{"getsipproviderbindings", "sipproviderbindings"},
               {"getsipproviderbindingscount", "sipproviderbindings/count"},
               "provider.status",
               sipsorcery_provider_binding});
  add_listing(
      impl, svr,
      {{"getcalls", "calls"}, {"getcallscount", "calls/count"}, "call.list", sipsorcery_call});
  add_cdrs(impl, svr);
}

}  // namespace sip::http
