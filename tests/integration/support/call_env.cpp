#include "support/call_env.hpp"

#include <stdexcept>

namespace sipsmith::itest {
namespace {

json call_config() {
  // SIPp 3.6.1 here is built without OpenSSL: it answers MD5 challenges only.
  return {{"registrar", {{"min_expires", 1}, {"algorithms", {"MD5"}}}},
          {"security", {{"max_failures", 1000}}}};
}

json document(const json& accounts, const json& providers, const json& dialplans) {
  json doc = {{"format", "sipsmith-provisioning"},
              {"version", 1},
              {"customers", json::array({{{"username", "demo"}, {"password", "demo-pw-1"}}})},
              {"accounts", accounts}};
  if (!providers.empty()) doc["providers"] = providers;
  if (!dialplans.empty()) doc["dialplans"] = dialplans;
  return doc;
}

bool complete(const json& cdrs, std::size_t n) {
  if (!cdrs.is_array() || cdrs.size() < n) return false;
  for (const auto& c : cdrs) {
    const int status = c.value("answer_status", 0);
    if (status == 0) return false;
    if (status >= 200 && status < 300 && c.value("hungup_at", std::int64_t{0}) == 0) return false;
  }
  return true;
}

}  // namespace

json account_record(const std::string& username, bool acl, const std::string& password,
                    const std::string& out_dialplan, const std::string& in_dialplan) {
  json a = {{"owner", "demo"},
            {"username", username},
            {"domain", kCallDomain},
            {"keepalive", "none"},
            {"password", password.empty() ? username + "-pw-123" : password}};
  if (acl) a["ip_acl"] = "127.0.0.0/8";
  if (!out_dialplan.empty()) a["out_dialplan"] = out_dialplan;
  if (!in_dialplan.empty()) a["in_dialplan"] = in_dialplan;
  return a;
}

json provider_record(const std::string& name, std::uint16_t port) {
  return {{"owner", "demo"},
          {"name", name},
          {"type", "sip"},
          {"server", "sip:127.0.0.1:" + std::to_string(port)},
          {"username", kProviderUser},
          {"password", kProviderPassword},
          {"register_enabled", false}};
}

json dialstring_plan(const std::string& name, const std::string& source) {
  return {{"owner", "demo"}, {"name", name}, {"type", "dialstring"}, {"source", source}};
}

static json merged_config(const json& extra) {
  json c = call_config();
  // Two levels deep: {"b2bua": {"max_legs": 2}} keeps the other sections.
  for (auto it = extra.begin(); it != extra.end(); ++it) {
    if (!it->is_object()) {
      c[it.key()] = *it;
      continue;
    }
    for (auto jt = it->begin(); jt != it->end(); ++jt) c[it.key()][jt.key()] = *jt;
  }
  return c;
}

CallEnv::CallEnv(const json& extra_config) : daemon(dir, merged_config(extra_config)) {}

void CallEnv::provision(const json& accounts, const json& providers, const json& dialplans) {
  json full =
      daemon.control().request("import", {{"document", document(accounts, providers, dialplans)}});
  if (!full.contains("error")) return;
  if (providers.empty() && dialplans.empty())
    throw std::runtime_error("import failed: " + full["error"].dump());
  // The import document may not take providers/dialplans: add them by
  // method between the customer and the accounts that name the plans.
  daemon.control().call("import", {{"document", document(json::array(), {}, {})}});
  for (const auto& p : providers) daemon.control().call("provider.add", p);
  for (const auto& d : dialplans) daemon.control().call("dialplan.add", d);
  daemon.control().call("import", {{"document", document(accounts, {}, {})}});
}

std::size_t CallEnv::binding_count(const std::string& username) {
  return daemon.control()
      .call("binding.list", {{"username", username}, {"domain", kCallDomain}})
      .size();
}

std::unique_ptr<SippCall> CallEnv::caller(const std::string& scenario, const std::string& service,
                                          std::vector<std::pair<std::string, std::string>> keys) {
  SippCallSpec spec;
  spec.scenario = scenario;
  spec.remote = daemon.address();
  spec.service = service;
  spec.keys = std::move(keys);
  return std::make_unique<SippCall>(dir, spec);
}

std::unique_ptr<SippCall> CallEnv::phone(const std::string& user, const std::string& scenario,
                                         std::vector<std::pair<std::string, std::string>> keys) {
  return start_phone(dir, daemon.address(), user, scenario, std::move(keys), kCallDomain);
}

std::unique_ptr<SippCall> CallEnv::provider(const std::string& scenario,
                                            std::vector<std::pair<std::string, std::string>> keys) {
  SippCallSpec spec;
  spec.scenario = scenario;
  spec.keys = std::move(keys);
  return std::make_unique<SippCall>(dir, spec);
}

json CallEnv::wait_cdrs(std::size_t n, Millis limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  UdpPeer pacer;  // its receive timeout paces the polls
  json cdrs = json::array();
  for (;;) {
    cdrs = daemon.control().call("cdr.list", json::object());
    if (cdrs.is_object() && cdrs.contains("cdrs")) cdrs = cdrs["cdrs"];  // either shape
    if (complete(cdrs, n) || std::chrono::steady_clock::now() >= deadline) return cdrs;
    (void)pacer.receive(Millis(100));
  }
}

json cdrs_with(const json& cdrs, const std::string& direction) {
  json out = json::array();
  for (const auto& c : cdrs)
    if (c.value("direction", "") == direction) out.push_back(c);
  return out;
}

std::string dump(const json& j) {
  return j.dump(2);
}

}  // namespace sipsmith::itest
