// The engine's JSON views: the ready line and the `stats` command.
#include <unistd.h>

#include "sip/engine/engine_impl.hpp"

namespace sip::engine {
namespace {

std::string kind_lower(transport::Kind k) {
  std::string s(transport::kind_name(k));
  for (auto& c : s) c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

nlohmann::json Engine::Impl::ready() const {
  nlohmann::json listen = nlohmann::json::array();
  for (const auto& l : transport->listeners()) {
    listen.push_back({{"transport", kind_lower(l.kind)}, {"address", l.address.to_string()}});
  }
  return {{"event", "ready"},
          {"pid", static_cast<long>(::getpid())},
          {"listen", listen},
          {"domains", config.domains},
          {"control", config.control.socket},
          {"http", config.http.bind},
          {"store", store_description(config)},
          {"accounts", directory.account_count()},
          {"bindings_restored", bindings_restored}};
}

nlohmann::json Engine::Impl::stats() const {
  const auto& t = transport->stats();
  const auto& r = registrar->stats();
  const auto& d = dispatcher->stats();
  const auto w = writes->stats();
  const auto& cs = calls->stats();
  const auto uptime =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  std::size_t kv_keys = 0;
  for (const auto& [owner, values] : kv_cache->owners) kv_keys += values.size();
  return {
      {"uptime_s", uptime.count()},
      {"accounts", directory.account_count()},
      {"bindings", r.bindings},
      {"transport",
       {{"received", t.received},
        {"parse_errors", t.parse_errors},
        {"answered_400", t.answered_400},
        {"keepalive_pings", t.keepalive_pings},
        {"sent", t.sent},
        {"send_errors", t.send_errors},
        {"connections_opened", t.connections_opened},
        {"connections_closed", t.connections_closed},
        {"gated", t.gated}}},
      {"flood",
       {{"dropped", flood->stats().dropped},
        {"blocks", flood->stats().blocks},
        {"blocked_now", flood->blocked_count()},
        {"tracked", flood->size()}}},
      {"transactions", {{"client", txn->client_count()}, {"server", txn->server_count()}}},
      {"requests",
       {{"total", d.requests},
        {"invalid", d.invalid},
        {"dropped", d.dropped},
        {"blocked", d.blocked},
        {"dropped_silently", relay.dropped()},
        {"options", d.options},
        {"not_served", d.not_served},
        {"not_allowed", d.not_allowed},
        {"calls", d.calls},
        {"in_dialog", d.in_dialog}}},
      {"registrar",
       {{"registers", r.registers},
        {"ok", r.ok},
        {"challenged", r.challenged},
        {"auth_failures", r.auth_failures},
        {"stale", r.stale},
        {"rejected", r.rejected},
        {"blocked_sources", r.blocked_sources},
        {"bindings", r.bindings},
        {"expired", r.expired},
        {"evicted", r.evicted},
        {"keepalives_sent", r.keepalives_sent},
        {"keepalive_failures", r.keepalive_failures},
        {"persist_failures", r.persist_failures}}},
      {"calls",
       {{"invites", cs.invites},
        {"active", cs.active},
        {"challenged", cs.challenged},
        {"auth_failures", cs.auth_failures},
        {"rejected", cs.rejected},
        {"answered", cs.answered},
        {"failed", cs.failed},
        {"cancelled", cs.cancelled},
        {"legs", cs.legs},
        {"in_dialog", cs.in_dialog},
        {"no_dialog", cs.no_dialog},
        {"duration_limit", cs.duration_limit},
        {"limited", cs.limited},
        {"cdrs_written", cs.cdrs_written},
        {"executions", calls->running_executions()}}},
      {"store",
       {{"schema_version", store->schema_version()},
        {"submitted", w.submitted},
        {"committed", w.committed},
        {"failed", w.failed},
        {"rejected", w.rejected},
        {"batches", w.batches},
        {"queued", w.queued},
        {"backend", config.postgres.url.empty() ? "sqlite" : "postgresql"},
        {"unavailable", w.unavailable},
        {"outages", w.outages},
        {"stalls", w.stalls},
        {"acked_early", w.acked_early},
        {"failed_after_ack", w.failed_after_ack},
        {"refreshes_dropped", persistence ? persistence->refreshes_dropped() : std::uint64_t{0}},
        {"kv_cached_keys", kv_keys}}},
      {"console", {{"subscribers", events.subscribers()}}},
  };
}

}  // namespace sip::engine
