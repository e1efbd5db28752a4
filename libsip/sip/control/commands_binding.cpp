// binding.list / remove, stats, reload.
#include <algorithm>
#include <unordered_map>

#include "sip/control/command_util.hpp"
#include "sip/registrar/registrar.hpp"

namespace sip::control::detail {
namespace {

json binding_list(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"username", "domain", "owner"});
  std::optional<std::string> user = f.string("username");
  std::string domain;
  if (auto d = f.string("domain"); d && !d->empty())
    domain = find_domain(ctx.store, lower(*d)).name;
  if (user && domain.empty()) fail(Errc::invalid_argument, "domain: required with username");
  store::Id owner = 0;
  if (auto o = f.string("owner"); o && !o->empty()) owner = find_customer(ctx.store, *o).id;
  if (user) find_account(ctx.store, *user, domain);  // not_found for an unknown account

  std::unordered_map<store::Id, store::SipAccount> accounts;
  for (auto& a : unwrap(ctx.store.accounts().list(owner), "accounts")) {
    if (!domain.empty() && a.domain != domain) continue;
    if (user && lower(a.username) != lower(*user)) continue;
    accounts.emplace(a.id, std::move(a));
  }
  std::vector<store::Binding> bindings = current_bindings(ctx);
  std::erase_if(bindings, [&](const store::Binding& b) { return !accounts.count(b.account_id); });
  auto aor = [&](const store::Binding& b) {
    const auto& a = accounts.at(b.account_id);
    return a.username + "@" + a.domain;
  };
  std::sort(bindings.begin(), bindings.end(),
            [&](const store::Binding& x, const store::Binding& y) {
              auto kx = aor(x), ky = aor(y);
              return kx != ky ? kx < ky : x.contact_key < y.contact_key;
            });
  const std::int64_t now = unix_now(ctx);
  json out = json::array();
  for (const auto& b : bindings) out.push_back(binding_json(b, aor(b), now));
  return out;
}

json binding_remove(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"username", "domain", "contact"});
  store::SipAccount a =
      find_account(ctx.store, f.required_string("username"), lower(f.required_string("domain")));
  std::optional<std::string> contact = f.string("contact");
  std::vector<store::Binding> bindings =
      ctx.registrar != nullptr ? ctx.registrar->bindings(a.id)
                               : unwrap(ctx.store.bindings().list_for(a.id), "bindings");
  const std::string aor = a.username + "@" + a.domain;
  std::size_t removed = 0;
  for (const auto& b : bindings) {
    if (contact && b.contact_key != *contact && b.contact_uri != *contact) continue;
    if (ctx.registrar != nullptr) {
      auto r = ctx.registrar->remove(a.id, b.contact_key, registrar::RemovalReason::Administrative);
      if (!r && r.error().code == Errc::not_found) continue;  // expired meanwhile
      unwrap(std::move(r), "binding of " + aor);
    } else {
      unwrap(ctx.store.bindings().remove(a.id, b.contact_key), "binding of " + aor);
    }
    ++removed;
  }
  if (contact && removed == 0) fail(Errc::not_found, "no binding " + *contact + " for " + aor);
  return {{"removed", removed}};
}

json registrar_stats(const registrar::Stats& s) {
  return {{"registers", s.registers},
          {"ok", s.ok},
          {"challenged", s.challenged},
          {"auth_failures", s.auth_failures},
          {"stale", s.stale},
          {"rejected", s.rejected},
          {"blocked_sources", s.blocked_sources},
          {"bindings", s.bindings},
          {"expired", s.expired},
          {"evicted", s.evicted},
          {"keepalives_sent", s.keepalives_sent},
          {"keepalive_failures", s.keepalive_failures},
          {"persist_failures", s.persist_failures}};
}

json stats(Context& ctx) {
  json out = ctx.stats ? ctx.stats() : json::object();
  if (!out.is_object()) out = json::object();
  out["accounts"] = ctx.directory.account_count();
  if (ctx.registrar != nullptr) {
    const registrar::Stats& s = ctx.registrar->stats();
    out["registrar"] = registrar_stats(s);
    out["bindings"] = s.bindings;
  } else {
    out["bindings"] = unwrap(ctx.store.bindings().list(), "bindings").size();
  }
  json& store = out["store"];
  if (!store.is_object()) store = json::object();
  store["schema_version"] = ctx.store.schema_version();
  store["domains"] = ctx.directory.domains().size();
  return out;
}

}  // namespace

void register_binding_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("binding.list",
               [&ctx](const json& params) -> CommandResult { return binding_list(ctx, params); });
  registry.add("binding.remove",
               [&ctx](const json& params) -> CommandResult { return binding_remove(ctx, params); });
  registry.add("stats", [&ctx](const json& params) -> CommandResult {
    Fields(params).only({});
    return stats(ctx);
  });
  registry.add("reload", [&ctx](const json& params) -> CommandResult {
    Fields(params).only({});
    unwrap(ctx.reload ? ctx.reload() : reload_directory(ctx), "reload");
    return json{{"reloaded", true}};
  });
}

}  // namespace sip::control::detail
