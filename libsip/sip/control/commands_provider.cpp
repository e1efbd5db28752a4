// provider.list / get / add / update / remove. A provider is named by its
// owner (customer username) and name; the password is a param but never
// shown ("password_set").
#include <algorithm>

#include "sip/base/ci.hpp"
#include "sip/control/command_util.hpp"
#include "sip/provreg/agent.hpp"
#include "sip/store/names.hpp"

namespace sip::control::detail {

void apply_provider_fields(const Fields& f, store::Provider& p) {
  auto text = [&](const char* field, std::string& out, std::size_t max) {
    if (auto v = f.string(field)) {
      check_text(*v, f.name(field), max);
      out = *v;
    }
  };
  if (auto v = f.string("type")) {
    if (*v != "sip") fail(Errc::invalid_argument, f.name("type") + ": only \"sip\" is supported");
    p.type = *v;
  }
  text("server", p.server, 512);
  text("username", p.username, 256);
  text("password", p.password, 256);
  text("auth_username", p.auth_username, 256);
  text("outbound_proxy", p.outbound_proxy, 512);
  text("from", p.from_template, 512);
  text("custom_headers", p.custom_headers, 4096);
  text("register_contact", p.register_contact, 512);
  text("register_server", p.register_server, 512);
  text("register_realm", p.register_realm, 256);
  if (auto b = f.boolean("register_enabled")) p.register_enabled = *b;
  if (auto n = f.integer("register_expiry", 60, 86400)) p.register_expiry = *n;
  if (auto b = f.boolean("read_only")) p.read_only = *b;
}

namespace {

void check_provider_name(const std::string& name, const std::string& field) {
  if (!store::valid_provider_name(name))
    fail(Errc::invalid_argument, field + ": '" + name + "' is not " + store::kProviderNameRule);
}

json provider_result(Context& ctx, store::Id id, const std::string& owner) {
  store::Provider p = unwrap(ctx.store.providers().get(id), "provider");
  ctx.directory.upsert_provider(p);
  return provider_json(p, owner);
}

void only_writable(const Fields& f) {
  f.only({"owner", "name", "new_name", "type", "server", "username", "password", "auth_username",
          "outbound_proxy", "from", "custom_headers", "register_enabled", "register_contact",
          "register_expiry", "register_server", "register_realm", "read_only"});
}

json provider_add(Context& ctx, const json& params) {
  Fields f(params);
  only_writable(f);
  if (f.has("new_name")) fail(Errc::invalid_argument, "new_name: unknown field");
  store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
  store::Provider p;
  p.owner_id = owner.id;
  p.name = f.required_string("name");
  check_provider_name(p.name, "name");
  f.required_string("server");
  apply_provider_fields(f, p);
  const std::string what = "provider '" + p.name + "' of '" + owner.username + "'";
  store::Id id = unwrap(ctx.store.providers().add(p), what);
  return provider_result(ctx, id, owner.username);
}

json provider_update(Context& ctx, const json& params) {
  Fields f(params);
  only_writable(f);
  store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
  store::Provider p = find_provider(ctx.store, owner, f.required_string("name"));
  if (f.has("new_name")) {
    p.name = f.required_string("new_name");
    check_provider_name(p.name, "new_name");
  }
  apply_provider_fields(f, p);
  const std::string what = "provider '" + p.name + "' of '" + owner.username + "'";
  unwrap(ctx.store.providers().update(p), what);
  return provider_result(ctx, p.id, owner.username);
}

json provider_list(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"owner"});
  store::Id owner = 0;
  if (auto o = f.string("owner"); o && !o->empty()) owner = find_customer(ctx.store, *o).id;
  auto names = customer_names(ctx.store);
  json out = json::array();
  for (const auto& p : unwrap(ctx.store.providers().list(owner), "providers"))
    out.push_back(provider_json(p, name_of(names, p.owner_id)));
  return out;
}

// provider.status: the registration agent's bindings (every provider with
// register_enabled), optionally of one owner or one provider.
json provider_status(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"owner", "name"});
  if (ctx.provider_agent == nullptr)
    fail(Errc::not_found, "provider registrations are not running in this process");
  store::Id owner = 0;
  if (auto o = f.string("owner"); o && !o->empty()) owner = find_customer(ctx.store, *o).id;
  const auto name = f.string("name");
  if (name && owner == 0) fail(Errc::invalid_argument, "name: give owner too");
  auto names = customer_names(ctx.store);
  const std::int64_t now = unix_now(ctx);
  json out = json::array();
  for (const provreg::Status& s : ctx.provider_agent->status()) {
    if (owner != 0 && s.owner_id != owner) continue;
    if (name && !ci_equal(*name, s.provider)) continue;
    json row = {{"owner", name_of(names, s.owner_id)},
                {"name", s.provider},
                {"provider_id", s.provider_id},
                {"state", std::string(provreg::state_name(s.state))},
                {"reason", s.reason},
                {"contact", s.contact},
                {"target", s.target},
                {"expires", s.expires},
                {"registered_until", s.registered_until},
                {"expires_in", std::max<std::int64_t>(0, s.registered_until - now)},
                {"next_attempt", s.next_attempt},
                {"next_attempt_in",
                 s.next_attempt == 0 ? 0 : std::max<std::int64_t>(0, s.next_attempt - now)},
                {"attempts", s.attempts},
                {"failures", s.failures},
                {"refreshes", s.refreshes}};
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

void register_provider_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("provider.list",
               [&ctx](const json& params) -> CommandResult { return provider_list(ctx, params); });
  registry.add("provider.get", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner", "name"});
    store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
    return provider_json(find_provider(ctx.store, owner, f.required_string("name")),
                         owner.username);
  });
  registry.add("provider.status", [&ctx](const json& params) -> CommandResult {
    return provider_status(ctx, params);
  });
  registry.add("provider.add",
               [&ctx](const json& params) -> CommandResult { return provider_add(ctx, params); });
  registry.add("provider.update", [&ctx](const json& params) -> CommandResult {
    return provider_update(ctx, params);
  });
  registry.add("provider.remove", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner", "name"});
    store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
    store::Provider p = find_provider(ctx.store, owner, f.required_string("name"));
    unwrap(ctx.store.providers().remove(p.id),
           "provider '" + p.name + "' of '" + owner.username + "'");
    ctx.directory.remove_provider(p.id);
    return json{{"removed", true}};
  });
}

}  // namespace sip::control::detail
