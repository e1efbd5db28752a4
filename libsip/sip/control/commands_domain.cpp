// domain.list / add / update / remove.
#include <algorithm>

#include "sip/control/command_util.hpp"

namespace sip::control::detail {
namespace {

std::vector<std::string> read_aliases(const Fields& f) {
  std::vector<std::string> out;
  const std::vector<std::string> given =
      f.string_list("aliases").value_or(std::vector<std::string>{});
  for (const auto& a : given) {
    std::string alias = lower(a);
    check_host(alias, f.name("aliases"));
    if (std::find(out.begin(), out.end(), alias) == out.end()) out.push_back(std::move(alias));
  }
  return out;
}

store::Id read_owner(Context& ctx, const Fields& f) {
  std::string owner = *f.string("owner");
  if (owner.empty()) return 0;  // the operator's domain
  return find_customer(ctx.store, owner).id;
}

json domain_result(Context& ctx, const std::string& name) {
  store::Domain d = find_domain(ctx.store, name);
  ctx.directory.upsert_domain(d);
  std::string owner;
  if (d.owner_id != 0) owner = unwrap(ctx.store.customers().get(d.owner_id), "owner").username;
  return domain_json(d, owner);
}

json domain_add(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"name", "aliases", "owner"});
  store::Domain d;
  d.name = lower(f.required_string("name"));
  check_host(d.name, "name");
  if (f.has("aliases")) d.aliases = read_aliases(f);
  if (f.has("owner")) d.owner_id = read_owner(ctx, f);
  unwrap(ctx.store.domains().add(d), "domain '" + d.name + "'");
  return domain_result(ctx, d.name);
}

json domain_update(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"name", "aliases", "owner"});
  store::Domain d = find_domain(ctx.store, lower(f.required_string("name")));
  if (f.has("aliases")) d.aliases = read_aliases(f);
  if (f.has("owner")) d.owner_id = read_owner(ctx, f);
  unwrap(ctx.store.domains().update(d), "domain '" + d.name + "'");
  return domain_result(ctx, d.name);
}

json domain_remove(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"name"});
  store::Domain d = find_domain(ctx.store, lower(f.required_string("name")));
  unwrap(ctx.store.domains().remove(d.id), "domain '" + d.name + "'");
  ctx.directory.remove_domain(d.id);
  return {{"removed", true}};
}

}  // namespace

void register_domain_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("domain.list", [&ctx](const json& params) -> CommandResult {
    Fields(params).only({});
    auto names = customer_names(ctx.store);
    json out = json::array();
    for (const auto& d : unwrap(ctx.store.domains().list(), "domains"))
      out.push_back(domain_json(d, name_of(names, d.owner_id)));
    return out;
  });
  registry.add("domain.add",
               [&ctx](const json& params) -> CommandResult { return domain_add(ctx, params); });
  registry.add("domain.update",
               [&ctx](const json& params) -> CommandResult { return domain_update(ctx, params); });
  registry.add("domain.remove",
               [&ctx](const json& params) -> CommandResult { return domain_remove(ctx, params); });
}

}  // namespace sip::control::detail
