// config_to_json(): the parsed config written back as JSON (what
// --check-config prints and the demo script reads); parse_config() of its
// output gives the same config (tests/fuzz/fuzz_config.cpp checks this).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "sip/auth/server_algorithms.hpp"
#include "sip/base/ci.hpp"
#include "sip/engine/config.hpp"

namespace sip::engine {
namespace {

using json = nlohmann::json;

}  // namespace

std::string config_to_json(const ServerConfig& c) {
  json j;
  j["listen"] = json::array();
  for (const auto& l : c.transport.listen) {
    std::string kind(transport::kind_name(l.kind));
    j["listen"].push_back({{"transport", to_lower(kind)}, {"address", l.address.to_string()}});
  }
  j["domains"] = c.domains;
  j["default_domain"] = c.default_domain;
  j["store"] = {{"synchronous_full", c.store.synchronous_full},
                {"commit_linger_ms", c.commit_linger.count()},
                {"cdr_flush_ms", c.cdr_flush.count()},
                {"refresh_flush_ms", c.refresh_flush.count()},
                {"max_queue", c.store_max_queue}};
  if (c.postgres.url.empty()) {
    j["store"]["path"] = c.store.path;
  } else {
    j["store"]["url"] = c.postgres.url;
    j["store"]["connect_timeout_ms"] = c.postgres.connect_timeout.count();
    j["store"]["query_timeout_ms"] = c.postgres.query_timeout.count();
    j["store"]["retry_interval_ms"] = c.postgres.retry_interval.count();
    j["store"]["ack_timeout_ms"] = c.store_ack_timeout.count();
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "0%o", c.control.mode);
  j["control"] = {{"socket", c.control.socket}, {"mode", mode}};
  j["http"] = {{"bind", c.http.bind},
               {"tls_cert", c.http.tls_cert},
               {"tls_key", c.http.tls_key},
               {"cors_origins", c.http.cors_origins},
               {"session_lifetime", c.http.session_lifetime.count()},
               {"login_attempts", c.http.login_attempts},
               {"login_window", c.http.login_window.count()},
               {"threads", c.http.threads}};
  const auto& r = c.registrar;
  json rules = json::array();
  const auto names = [](const auth::AlgorithmList& list) {
    json out = json::array();
    for (const auth::Algorithm a : list) out.push_back(std::string(auth::algorithm_name(a)));
    return out;
  };
  for (const auto& u : r.user_agent_rules) {
    json rule = {{"pattern", u.pattern}};
    if (u.max_expires) rule["max_expires"] = u.max_expires->count();
    if (!u.algorithms.empty()) rule["algorithms"] = names(u.algorithms);
    rules.push_back(std::move(rule));
  }
  json algs = names(r.algorithms);
  j["registrar"] = {{"min_expires", r.min_expires.count()},
                    {"max_expires", r.max_expires.count()},
                    {"default_expires", r.default_expires.count()},
                    {"max_bindings", r.max_bindings},
                    {"keepalive_interval", r.keepalive_interval.count()},
                    {"user_agent_rules", rules},
                    {"algorithms", algs},
                    {"strict_digest_uri", r.strict_digest_uri},
                    {"nonce_lifetime", c.nonce_lifetime.count()}};
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  j["security"] = {{"max_failures", c.security.max_failures},
                   {"failure_window", duration_cast<seconds>(c.security.failure_window).count()},
                   {"block_for", duration_cast<seconds>(c.security.block_for).count()},
                   {"block_silently", c.block_silently}};
  {
    json allow = json::array();
    std::string_view rest = c.flood.allow;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      allow.push_back(std::string(rest.substr(0, comma)));
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    }
    j["flood"] = {{"enabled", c.flood.enabled},
                  {"per_second", c.flood.per_second},
                  {"burst", c.flood.burst},
                  {"block_for", duration_cast<seconds>(c.flood.block_for).count()},
                  {"allow", allow}};
  }
  j["limits"] = {{"max_message_size", c.transport.limits.max_message_size},
                 {"max_connections", c.transport.max_connections}};
  j["log"] = {{"level", to_lower(log_level_name(c.log_level))}};
  if (!c.node.empty()) j["node"] = c.node;
  j["b2bua"] = {{"cdrs", c.b2bua.cdrs},
                {"max_calls", c.b2bua.max_calls},
                {"max_executions", c.b2bua.max_executions},
                {"max_legs", c.b2bua.max_legs},
                {"limits",
                 {{"account_calls", c.b2bua.limits.account_calls},
                  {"customer_calls", c.b2bua.limits.customer_calls},
                  {"account_per_minute", c.b2bua.limits.account_per_minute},
                  {"customer_per_minute", c.b2bua.limits.customer_per_minute}}},
                {"fraud",
                 {{"enabled", c.b2bua.fraud.enabled},
                  {"denied_prefixes", c.b2bua.fraud.denied_prefixes},
                  {"per_minute", c.b2bua.fraud.per_minute},
                  {"all_dials", c.b2bua.fraud.all_dials}}},
                {"webget",
                 {{"allow", c.webget.allow},
                  {"threads", c.webget.threads},
                  {"max_queue", c.webget.max_queue},
                  {"max_timeout_seconds", c.webget.max_timeout_seconds},
                  {"max_bytes", c.webget.max_bytes}}}};
  j["dns"] = {{"nameservers", c.nameservers}};
  j["provider_registration"] = {
      {"enabled", c.provider_registration_enabled},
      {"start_rate", static_cast<std::int64_t>(c.provider_registration.start_rate)},
      {"stop_rate", static_cast<std::int64_t>(c.provider_registration.stop_rate)},
      {"min_gap_ms", c.provider_registration.retry.min_gap.count()},
      {"retry_base_ms", c.provider_registration.retry.base.count()},
      {"retry_max_ms", c.provider_registration.retry.max.count()}};
  return j.dump(2);
}

}  // namespace sip::engine
