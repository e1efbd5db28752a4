// account.list / get / add / update / remove.
#include <arpa/inet.h>

#include <algorithm>
#include <limits>

#include "sip/auth/server_algorithms.hpp"
#include "sip/control/command_util.hpp"

namespace sip::control::detail {
namespace {

// "10.0.0.0/8, 192.0.2.7, 2001:db8::/32": addresses with optional prefixes.
void check_ip_acl(const std::string& acl, const std::string& field) {
  check_text(acl, field, 1024);
  if (acl.empty()) return;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = acl.find(',', start);
    std::string item =
        acl.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    std::string addr = item.substr(0, item.find('/'));
    unsigned char buf[16];
    bool v4 = ::inet_pton(AF_INET, addr.c_str(), buf) == 1;
    bool v6 = !v4 && ::inet_pton(AF_INET6, addr.c_str(), buf) == 1;
    bool ok = v4 || v6;
    if (ok && item.size() > addr.size()) {
      std::string prefix = item.substr(addr.size() + 1);
      ok = !prefix.empty() && prefix.size() <= 3 &&
           std::all_of(prefix.begin(), prefix.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
           std::stoi(prefix) <= (v4 ? 32 : 128);
    }
    if (!ok) fail(Errc::invalid_argument, field + ": '" + item + "' is not an address or CIDR");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

}  // namespace

void apply_account_fields(const Fields& f, store::SipAccount& a) {
  auto text = [&](const char* field, std::string& out, std::size_t max) {
    if (auto v = f.string(field)) {
      check_text(*v, f.name(field), max);
      out = *v;
    }
  };
  text("out_dialplan", a.out_dialplan, 128);
  text("in_dialplan", a.in_dialplan, 128);
  text("network_id", a.network_id, 128);
  text("description", a.description, 1024);
  if (auto v = f.string("ip_acl")) {
    check_ip_acl(*v, f.name("ip_acl"));
    a.ip_acl = *v;
  }
  if (auto v = f.string("keepalive")) {
    auto mode = parse_keepalive(*v);
    if (!mode)
      fail(Errc::invalid_argument, f.name("keepalive") + ": expected crlf, options or none");
    a.keepalive = *mode;
  }
  if (auto v = f.string("digest_algorithms")) {
    // "" = the server's setting; else the challenge order, e.g. "SHA-256".
    a.digest_algorithms.clear();
    if (!v->empty()) {
      auto list = auth::parse_server_algorithms(*v);
      if (!list)
        fail(Errc::invalid_argument, f.name("digest_algorithms") +
                                         ": expected \"\" or MD5 and/or SHA-256, comma "
                                         "separated, each once, in challenge order");
      a.digest_algorithms = auth::server_algorithms_text(*list);
    }
  }
  if (auto b = f.boolean("incoming_only")) a.incoming_only = *b;
  if (auto b = f.boolean("disabled")) a.disabled = *b;
  if (auto b = f.boolean("dont_mangle")) a.dont_mangle = *b;
}

void set_owner(Context& ctx, store::SipAccount& a, const std::string& owner) {
  store::Customer c = find_customer(ctx.store, owner);
  store::Domain d = find_domain(ctx.store, a.domain);
  if (d.owner_id != 0 && d.owner_id != c.id)
    fail(Errc::invalid_argument,
         "domain: '" + d.name + "' belongs to another customer than '" + c.username + "'");
  a.owner_id = c.id;
}

namespace {

json account_result(Context& ctx, store::Id id) {
  store::SipAccount a = unwrap(ctx.store.accounts().get(id), "account");
  ctx.directory.upsert_account(a);
  std::string owner = unwrap(ctx.store.customers().get(a.owner_id), "owner").username;
  return account_json(a, owner);
}

json account_add(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"owner", "username", "domain", "password", "out_dialplan", "in_dialplan", "incoming_only",
          "disabled", "keepalive", "ip_acl", "dont_mangle", "network_id", "description",
          "digest_algorithms"});
  store::SipAccount a;
  a.username = f.required_string("username");
  check_account_username(a.username, "username");
  a.domain = find_domain(ctx.store, lower(f.required_string("domain"))).name;
  set_owner(ctx, a, f.required_string("owner"));
  apply_account_fields(f, a);
  store::Customer owner = unwrap(ctx.store.customers().get(a.owner_id), "owner");
  auto owned = unwrap(ctx.store.accounts().list(owner.id), "accounts");
  if (owned.size() >= static_cast<std::size_t>(owner.max_accounts))
    fail(Errc::limit_reached, "owner: customer '" + owner.username + "' already has " +
                                  std::to_string(owned.size()) + " accounts (max_accounts)");
  std::optional<std::string> password = f.string("password");
  const bool generated = !password.has_value();
  if (generated) password = generate_password();
  check_password(*password, "password");
  set_account_password(a, *password);
  store::Id id = unwrap(ctx.store.accounts().add(a), "account " + a.username + "@" + a.domain);
  json out = account_result(ctx, id);
  if (generated) out["password"] = *password;
  return out;
}

json account_update(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"owner", "username", "domain", "password", "out_dialplan", "in_dialplan", "incoming_only",
          "disabled", "keepalive", "ip_acl", "dont_mangle", "network_id", "description",
          "digest_algorithms"});
  store::SipAccount a =
      find_account(ctx.store, f.required_string("username"), lower(f.required_string("domain")));
  const bool was_disabled = a.disabled;
  if (f.has("owner")) set_owner(ctx, a, f.required_string("owner"));
  apply_account_fields(f, a);
  if (auto password = f.string("password")) {
    check_password(*password, "password");
    set_account_password(a, *password);
  }
  unwrap(ctx.store.accounts().update(a), "account " + a.username + "@" + a.domain);
  if (a.disabled && !was_disabled) drop_bindings(ctx, a.id);
  return account_result(ctx, a.id);
}

json account_remove(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"username", "domain"});
  store::SipAccount a =
      find_account(ctx.store, f.required_string("username"), lower(f.required_string("domain")));
  drop_bindings(ctx, a.id);
  unwrap(ctx.store.accounts().remove(a.id), "account " + a.username + "@" + a.domain);
  ctx.directory.remove_account(a.id);
  return {{"removed", true}};
}

// account.list: the accounts in listing order; "offset"/"limit" page them
// (only the page is turned into JSON). account.count: {"count": n} of the
// same filters.
json account_list(Context& ctx, const json& params, bool count_only) {
  Fields f(params);
  f.only({"owner", "domain", "offset", "limit"});
  store::Id owner = 0;
  if (auto o = f.string("owner"); o && !o->empty()) owner = find_customer(ctx.store, *o).id;
  std::string domain;
  if (auto d = f.string("domain"); d && !d->empty())
    domain = find_domain(ctx.store, lower(*d)).name;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::int64_t offset = f.integer64("offset", 0, kMax).value_or(0);
  const std::int64_t limit = f.integer64("limit", 1, kMax).value_or(kMax);
  auto names = customer_names(ctx.store);
  json out = json::array();
  std::int64_t index = 0;
  for (const auto& a : unwrap(ctx.store.accounts().list(owner), "accounts")) {
    if (!domain.empty() && a.domain != domain) continue;
    const std::int64_t i = index++;
    if (count_only || i < offset || i - offset >= limit) continue;
    out.push_back(account_json(a, name_of(names, a.owner_id)));
  }
  if (count_only) return {{"count", index}};
  return out;
}

}  // namespace

void register_account_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("account.list", [&ctx](const json& params) -> CommandResult {
    return account_list(ctx, params, false);
  });
  registry.add("account.count", [&ctx](const json& params) -> CommandResult {
    return account_list(ctx, params, true);
  });
  registry.add("account.get", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"username", "domain"});
    store::SipAccount a =
        find_account(ctx.store, f.required_string("username"), lower(f.required_string("domain")));
    std::string owner = unwrap(ctx.store.customers().get(a.owner_id), "owner").username;
    return account_json(a, owner);
  });
  registry.add("account.add",
               [&ctx](const json& params) -> CommandResult { return account_add(ctx, params); });
  registry.add("account.update",
               [&ctx](const json& params) -> CommandResult { return account_update(ctx, params); });
  registry.add("account.remove",
               [&ctx](const json& params) -> CommandResult { return account_remove(ctx, params); });
}

}  // namespace sip::control::detail
