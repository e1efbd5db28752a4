// customer.list / get / add / update / remove.
#include <algorithm>

#include "sip/auth/password.hpp"
#include "sip/control/command_util.hpp"

namespace sip::control::detail {
namespace {

constexpr int kMaxExecutionsLimit = 1000;
constexpr int kMaxAccountsLimit = 1000000;

void check_time_zone(const std::string& tz, const std::string& field) {
  bool ok = !tz.empty() && tz.size() <= 64 &&
            std::all_of(tz.begin(), tz.end(),
                        [](unsigned char c) {
                          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                 (c >= '0' && c <= '9') || c == '_' || c == '/' || c == '+' ||
                                 c == '-';
                        }) &&
            tz.front() != '/' && tz.find("..") == std::string::npos;
  if (!ok) fail(Errc::invalid_argument, field + ": '" + tz + "' is not an IANA time zone name");
}

}  // namespace

void apply_customer_fields(const Fields& f, store::Customer& c) {
  if (auto tz = f.string("time_zone")) {
    check_time_zone(*tz, f.name("time_zone"));
    c.time_zone = *tz;
  }
  if (auto n = f.integer("max_executions", 0, kMaxExecutionsLimit)) c.max_executions = *n;
  if (auto n = f.integer("max_accounts", 0, kMaxAccountsLimit)) c.max_accounts = *n;
  if (auto b = f.boolean("admin")) c.admin = *b;
}

namespace {

json customer_add(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"username", "password", "time_zone", "max_executions", "max_accounts", "admin"});
  store::Customer c;
  c.username = lower(f.required_string("username"));
  check_customer_username(c.username, "username");
  apply_customer_fields(f, c);
  std::optional<std::string> password = f.string("password");
  const bool generated = !password.has_value();
  if (generated) password = generate_password();
  check_password(*password, "password");
  c.password_hash = hash_customer_password(ctx, *password);
  c.api_key = auth::make_api_key();
  c.id = unwrap(ctx.store.customers().add(c), "customer '" + c.username + "'");
  store::Customer stored = unwrap(ctx.store.customers().get(c.id), "customer " + c.username);
  ctx.directory.upsert_customer(stored);
  json out = customer_json(stored);
  if (generated) out["password"] = *password;
  return out;
}

json customer_update(Context& ctx, const json& params) {
  Fields f(params);
  f.only(
      {"username", "password", "time_zone", "max_executions", "max_accounts", "admin", "disabled"});
  store::Customer c = find_customer(ctx.store, f.required_string("username"));
  apply_customer_fields(f, c);
  if (auto b = f.boolean("disabled")) c.disabled = *b;
  if (auto password = f.string("password")) {
    check_password(*password, "password");
    c.password_hash = hash_customer_password(ctx, *password);
  }
  unwrap(ctx.store.customers().update(c), "customer '" + c.username + "'");
  store::Customer stored = unwrap(ctx.store.customers().get(c.id), "customer " + c.username);
  ctx.directory.upsert_customer(stored);
  return customer_json(stored);
}

json customer_remove(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"username"});
  store::Customer c = find_customer(ctx.store, f.required_string("username"));
  // The store removes the customer's domains, accounts, bindings, providers
  // and dial plans with it.
  auto accounts = unwrap(ctx.store.accounts().list(c.id), "accounts");
  unwrap(ctx.store.customers().remove(c.id), "customer '" + c.username + "'");
  for (const auto& a : accounts) drop_bindings(ctx, a.id);
  // The store removed them together: one new Directory version.
  directory::Directory::Edit edit(ctx.directory);
  for (const auto& a : accounts) edit.remove_account(a.id);
  for (const auto& d : ctx.directory.domains())
    if (d.owner_id == c.id) edit.remove_domain(d.id);
  edit.remove_customer(c.id);  // with its providers and dial plans
  edit.commit();
  return {{"removed", true}};
}

}  // namespace

void register_customer_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("customer.list", [&ctx](const json& params) -> CommandResult {
    Fields(params).only({});
    json out = json::array();
    for (const auto& c : unwrap(ctx.store.customers().list(), "customers"))
      out.push_back(customer_json(c));
    return out;
  });
  registry.add("customer.get", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"username"});
    return customer_json(find_customer(ctx.store, f.required_string("username")));
  });
  registry.add("customer.add",
               [&ctx](const json& params) -> CommandResult { return customer_add(ctx, params); });
  registry.add("customer.update", [&ctx](const json& params) -> CommandResult {
    return customer_update(ctx, params);
  });
  registry.add("customer.remove", [&ctx](const json& params) -> CommandResult {
    return customer_remove(ctx, params);
  });
}

}  // namespace sip::control::detail
