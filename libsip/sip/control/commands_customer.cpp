// customer.list / get / add / update / remove.
#include <algorithm>
#include <optional>

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

// The hash to store from "password" (hashed here, on the calling thread)
// or "password_hash" (hashed by an edge off the core thread:
// password_params.hpp); nullopt when neither is given.
std::optional<std::string> password_hash_of(Context& ctx, const Fields& f) {
  auto password = f.string("password");
  auto hash = f.string("password_hash");
  if (password && hash) fail(Errc::invalid_argument, "give password or password_hash, not both");
  if (password) {
    check_password(*password, f.name("password"));
    return hash_customer_password(ctx, *password);
  }
  if (!hash) return std::nullopt;
  check_text(*hash, f.name("password_hash"), 512);
  if (hash->rfind("pbkdf2-sha256$", 0) != 0)
    fail(Errc::invalid_argument, f.name("password_hash") + ": not a pbkdf2-sha256 hash");
  return *hash;
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
  f.only({"username", "password", "password_hash", "time_zone", "max_executions", "max_accounts",
          "admin"});
  store::Customer c;
  c.username = lower(f.required_string("username"));
  check_customer_username(c.username, "username");
  apply_customer_fields(f, c);
  std::optional<std::string> password;
  std::optional<std::string> hash = password_hash_of(ctx, f);
  const bool generated = !hash.has_value();
  if (generated) {
    password = generate_password();
    hash = hash_customer_password(ctx, *password);
  }
  c.password_hash = *hash;
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
  f.only({"username", "password", "password_hash", "time_zone", "max_executions", "max_accounts",
          "admin", "disabled"});
  store::Customer c = find_customer(ctx.store, f.required_string("username"));
  apply_customer_fields(f, c);
  if (auto b = f.boolean("disabled")) c.disabled = *b;
  if (auto hash = password_hash_of(ctx, f)) c.password_hash = *hash;
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
