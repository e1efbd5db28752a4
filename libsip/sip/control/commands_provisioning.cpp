// export / import of the provisioning document (docs/control-protocol.md; the
// optional "providers" and "dialplans" lists keep format version 1).
#include <algorithm>
#include <optional>
#include <set>
#include <unordered_set>

#include "sip/auth/password.hpp"
#include "sip/control/command_util.hpp"

namespace sip::control::detail {
namespace {

constexpr const char* kFormat = "sipsmith-provisioning";
constexpr int kVersion = 1;

bool is_lower_hex(const std::string& s, std::size_t length) {
  return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

json export_document(Context& ctx) {
  auto customers = unwrap(ctx.store.customers().list(), "customers");
  std::unordered_map<store::Id, std::string> names;
  json doc = {{"format", kFormat}, {"version", kVersion}};
  json& cs = doc["customers"] = json::array();
  for (const auto& c : customers) {
    names[c.id] = c.username;
    cs.push_back({{"username", c.username},
                  {"password_hash", c.password_hash},
                  {"api_key", c.api_key},
                  {"time_zone", c.time_zone},
                  {"max_executions", c.max_executions},
                  {"max_accounts", c.max_accounts},
                  {"admin", c.admin},
                  {"disabled", c.disabled}});
  }
  json& ds = doc["domains"] = json::array();
  for (const auto& d : unwrap(ctx.store.domains().list(), "domains"))
    ds.push_back({{"name", d.name}, {"aliases", d.aliases}, {"owner", name_of(names, d.owner_id)}});
  json& as = doc["accounts"] = json::array();
  for (const auto& a : unwrap(ctx.store.accounts().list(), "accounts")) {
    as.push_back({{"owner", name_of(names, a.owner_id)},
                  {"username", a.username},
                  {"domain", a.domain},
                  {"ha1_md5", a.ha1_md5},
                  {"ha1_sha256", a.ha1_sha256},
                  {"out_dialplan", a.out_dialplan},
                  {"in_dialplan", a.in_dialplan},
                  {"incoming_only", a.incoming_only},
                  {"disabled", a.disabled},
                  {"keepalive", keepalive_name(a.keepalive)},
                  {"ip_acl", a.ip_acl},
                  {"dont_mangle", a.dont_mangle},
                  {"network_id", a.network_id},
                  {"digest_algorithms", a.digest_algorithms},
                  {"description", a.description}});
  }
  json& ps = doc["providers"] = json::array();
  for (const auto& p : unwrap(ctx.store.providers().list(), "providers")) {
    ps.push_back({{"owner", name_of(names, p.owner_id)},
                  {"name", p.name},
                  {"type", p.type},
                  {"server", p.server},
                  {"username", p.username},
                  {"password", p.password},
                  {"auth_username", p.auth_username},
                  {"outbound_proxy", p.outbound_proxy},
                  {"from", p.from_template},
                  {"custom_headers", p.custom_headers},
                  {"register_enabled", p.register_enabled},
                  {"register_contact", p.register_contact},
                  {"register_expiry", p.register_expiry},
                  {"register_server", p.register_server},
                  {"register_realm", p.register_realm},
                  {"read_only", p.read_only}});
  }
  json& dps = doc["dialplans"] = json::array();
  for (const auto& d : unwrap(ctx.store.dialplans().list(), "dial plans")) {
    dps.push_back({{"owner", name_of(names, d.owner_id)},
                   {"name", d.name},
                   {"type", d.type},
                   {"source", d.source},
                   {"description", d.description}});
  }
  return doc;
}

// The document's records and natural keys, checked for shape and duplicates
// before anything is written.
struct Document {
  const json* customers = nullptr;
  const json* domains = nullptr;
  const json* accounts = nullptr;
  const json* providers = nullptr;
  const json* dialplans = nullptr;
  std::set<std::string> customer_keys, domain_keys, account_keys;
  // "lower owner/lower name"
  std::set<std::string> provider_keys, dialplan_keys;
};

const json* list_of(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return nullptr;
  if (!it->is_array())
    fail(Errc::invalid_argument, std::string("document.") + key + ": expected a list");
  return &*it;
}

std::string where(const char* list, std::size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "].";
}

Document read_document(const json& doc) {
  if (!doc.is_object()) fail(Errc::invalid_argument, "document: expected an object");
  Fields top(doc, "document.");
  top.only({"format", "version", "customers", "domains", "accounts", "providers", "dialplans"});
  if (top.string("format").value_or("") != kFormat)
    fail(Errc::invalid_argument, std::string("document.format: expected \"") + kFormat + "\"");
  if (top.integer("version", 0, 1000).value_or(0) != kVersion)
    fail(Errc::invalid_argument, "document.version: expected 1");
  Document d;
  d.customers = list_of(doc, "customers");
  d.domains = list_of(doc, "domains");
  d.accounts = list_of(doc, "accounts");
  d.providers = list_of(doc, "providers");
  d.dialplans = list_of(doc, "dialplans");
  auto add_key = [](std::set<std::string>& keys, std::string key, const std::string& field) {
    if (!keys.insert(key).second) fail(Errc::conflict, field + ": '" + key + "' appears twice");
  };
  if (d.customers)
    for (std::size_t i = 0; i < d.customers->size(); ++i) {
      Fields f((*d.customers)[i], where("customers", i));
      add_key(d.customer_keys, lower(f.required_string("username")), f.name("username"));
    }
  if (d.domains)
    for (std::size_t i = 0; i < d.domains->size(); ++i) {
      Fields f((*d.domains)[i], where("domains", i));
      add_key(d.domain_keys, lower(f.required_string("name")), f.name("name"));
    }
  if (d.accounts)
    for (std::size_t i = 0; i < d.accounts->size(); ++i) {
      Fields f((*d.accounts)[i], where("accounts", i));
      add_key(d.account_keys,
              lower(f.required_string("username")) + "@" + lower(f.required_string("domain")),
              f.name("username"));
    }
  auto owned = [&](const json* list, const char* name, std::set<std::string>& keys) {
    if (list == nullptr) return;
    for (std::size_t i = 0; i < list->size(); ++i) {
      Fields f((*list)[i], where(name, i));
      add_key(keys, lower(f.required_string("owner")) + "/" + lower(f.required_string("name")),
              f.name("name"));
    }
  };
  owned(d.providers, "providers", d.provider_keys);
  owned(d.dialplans, "dialplans", d.dialplan_keys);
  return d;
}

// Removes what the document does not list (replace): providers and dial
// plans, accounts, then
// domains, then customers (whose removal takes the rest of theirs).
void remove_absent(Context& ctx, const Document& doc) {
  auto names = customer_names(ctx.store);
  for (const auto& p : unwrap(ctx.store.providers().list(), "providers"))
    if (!doc.provider_keys.count(lower(name_of(names, p.owner_id)) + "/" + lower(p.name)))
      unwrap(ctx.store.providers().remove(p.id), "provider '" + p.name + "'");
  for (const auto& d : unwrap(ctx.store.dialplans().list(), "dial plans"))
    if (!doc.dialplan_keys.count(lower(name_of(names, d.owner_id)) + "/" + lower(d.name)))
      unwrap(ctx.store.dialplans().remove(d.id), "dial plan '" + d.name + "'");
  for (const auto& a : unwrap(ctx.store.accounts().list(), "accounts"))
    if (!doc.account_keys.count(lower(a.username) + "@" + lower(a.domain)))
      unwrap(ctx.store.accounts().remove(a.id), "account " + a.username + "@" + a.domain);
  for (const auto& d : unwrap(ctx.store.domains().list(), "domains"))
    if (!doc.domain_keys.count(lower(d.name)))
      unwrap(ctx.store.domains().remove(d.id), "domain '" + d.name + "'");
  for (const auto& c : unwrap(ctx.store.customers().list(), "customers"))
    if (!doc.customer_keys.count(lower(c.username)))
      unwrap(ctx.store.customers().remove(c.id), "customer '" + c.username + "'");
}

void import_customer(Context& ctx, const json& record, const std::string& at) {
  Fields f(record, at);
  f.only({"username", "password_hash", "password", "api_key", "time_zone", "max_executions",
          "max_accounts", "admin", "disabled"});
  std::string username = lower(f.required_string("username"));
  check_customer_username(username, f.name("username"));
  auto found = ctx.store.customers().find(username);
  if (!found && found.error().code != Errc::not_found) unwrap(std::move(found), at + "username");
  store::Customer c = found ? found.value() : store::Customer{};
  c.username = username;
  apply_customer_fields(f, c);
  if (auto b = f.boolean("disabled")) c.disabled = *b;
  if (auto password = f.string("password")) {
    check_password(*password, f.name("password"));
    c.password_hash = hash_customer_password(ctx, *password);
  } else if (auto hash = f.string("password_hash")) {
    if (hash->empty())
      fail(Errc::invalid_argument, f.name("password_hash") + ": must not be empty");
    check_text(*hash, f.name("password_hash"), 512);
    c.password_hash = *hash;
  } else if (!found) {
    fail(Errc::invalid_argument, at + "password: a new customer needs password or password_hash");
  }
  if (auto key = f.string("api_key"); key && !key->empty()) {
    if (!is_lower_hex(*key, 64))
      fail(Errc::invalid_argument, f.name("api_key") + ": expected 64 lowercase hex digits");
    c.api_key = *key;
  } else if (c.api_key.empty()) {
    c.api_key = auth::make_api_key();
  }
  const std::string what = at + "username: customer '" + username + "'";
  if (found) {
    unwrap(ctx.store.customers().update(c), what);
  } else {
    unwrap(ctx.store.customers().add(c), what);
  }
}

void import_domain(Context& ctx, const json& record, const std::string& at) {
  Fields f(record, at);
  f.only({"name", "aliases", "owner"});
  std::string name = lower(f.required_string("name"));
  check_host(name, f.name("name"));
  auto found = ctx.store.domains().find(name);
  if (!found && found.error().code != Errc::not_found) unwrap(std::move(found), at + "name");
  if (found && found->name != name)
    fail(Errc::conflict, f.name("name") + ": '" + name + "' is an alias of '" + found->name + "'");
  store::Domain d = found ? found.value() : store::Domain{};
  d.name = name;
  if (auto aliases = f.string_list("aliases")) {
    d.aliases.clear();
    for (const auto& a : *aliases) {
      std::string alias = lower(a);
      check_host(alias, f.name("aliases"));
      if (std::find(d.aliases.begin(), d.aliases.end(), alias) == d.aliases.end())
        d.aliases.push_back(alias);
    }
  }
  if (auto owner = f.string("owner"))
    d.owner_id = owner->empty() ? 0 : find_customer(ctx.store, *owner).id;
  const std::string what = at + "name: domain '" + name + "'";
  if (found) {
    unwrap(ctx.store.domains().update(d), what);
  } else {
    unwrap(ctx.store.domains().add(d), what);
  }
}

void import_account(Context& ctx, const json& record, const std::string& at) {
  Fields f(record, at);
  f.only({"owner", "username", "domain", "ha1_md5", "ha1_sha256", "password", "out_dialplan",
          "in_dialplan", "incoming_only", "disabled", "keepalive", "ip_acl", "dont_mangle",
          "network_id", "description", "digest_algorithms"});
  std::string username = f.required_string("username");
  check_account_username(username, f.name("username"));
  std::string domain = find_domain(ctx.store, lower(f.required_string("domain"))).name;
  auto found = ctx.store.accounts().find(username, domain);
  if (!found && found.error().code != Errc::not_found) unwrap(std::move(found), at + "username");
  store::SipAccount a = found ? found.value() : store::SipAccount{};
  a.domain = domain;
  if (!found) a.username = username;
  if (f.has("owner") || !found) set_owner(ctx, a, f.required_string("owner"));
  apply_account_fields(f, a);
  if (auto password = f.string("password")) {
    check_password(*password, f.name("password"));
    set_account_password(a, *password);
  } else {
    if (auto h = f.string("ha1_md5")) {
      if (!h->empty() && !is_lower_hex(*h, 32))
        fail(Errc::invalid_argument, f.name("ha1_md5") + ": expected 32 lowercase hex digits");
      a.ha1_md5 = *h;
    }
    if (auto h = f.string("ha1_sha256")) {
      if (!h->empty() && !is_lower_hex(*h, 64))
        fail(Errc::invalid_argument, f.name("ha1_sha256") + ": expected 64 lowercase hex digits");
      a.ha1_sha256 = *h;
    }
  }
  const std::string what = at + "username: account " + username + "@" + domain;
  if (found) {
    unwrap(ctx.store.accounts().update(a), what);
  } else {
    unwrap(ctx.store.accounts().add(a), what);
  }
}

void import_provider(Context& ctx, const json& record, const std::string& at) {
  Fields f(record, at);
  f.only({"owner", "name", "type", "server", "username", "password", "auth_username",
          "outbound_proxy", "from", "custom_headers", "register_enabled", "register_contact",
          "register_expiry", "register_server", "register_realm", "read_only"});
  store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
  std::string name = f.required_string("name");
  auto found = ctx.store.providers().find(owner.id, name);
  if (!found && found.error().code != Errc::not_found) unwrap(std::move(found), at + "name");
  store::Provider p = found ? found.value() : store::Provider{};
  p.owner_id = owner.id;
  p.name = name;
  if (!found) f.required_string("server");
  apply_provider_fields(f, p);
  const std::string what = at + "name: provider '" + name + "' of '" + owner.username + "'";
  if (found) {
    unwrap(ctx.store.providers().update(p), what);
  } else {
    unwrap(ctx.store.providers().add(p), what);
  }
}

void import_dialplan(Context& ctx, const json& record, const std::string& at) {
  Fields f(record, at);
  f.only({"owner", "name", "type", "source", "description"});
  store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
  std::string name = f.required_string("name");
  auto found = ctx.store.dialplans().find(owner.id, name);
  if (!found && found.error().code != Errc::not_found) unwrap(std::move(found), at + "name");
  store::DialPlan d = found ? found.value() : store::DialPlan{};
  d.owner_id = owner.id;
  d.name = name;
  if (!found && !f.has("source")) fail(Errc::invalid_argument, f.name("source") + ": required");
  apply_dialplan_fields(f, d);
  compile_dialplan(d, f.name("source"));
  const std::string what = at + "name: dial plan '" + name + "' of '" + owner.username + "'";
  if (found) {
    d.updated = 0;
    unwrap(ctx.store.dialplans().update(d), what);
  } else {
    unwrap(ctx.store.dialplans().add(d), what);
  }
}

// Runs one record's import; errors that do not say where get the record's
// position ("accounts[3]: no domain 'x.test'").
template <class Fn>
void at_record(const char* list, std::size_t i, Fn&& fn) {
  const std::string at = where(list, i);
  try {
    fn(at);
  } catch (const CommandFailure& e) {
    if (e.error().message.rfind(at, 0) == 0) throw;
    CommandError located = e.error();
    located.message = at.substr(0, at.size() - 1) + ": " + located.message;
    throw CommandFailure(std::move(located));
  }
}

json import_document(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"document", "replace", "dry_run"});
  auto doc_it = params.find("document");
  if (doc_it == params.end() || doc_it->is_null())
    fail(Errc::invalid_argument, "document: required");
  const bool replace = f.boolean("replace").value_or(false);
  const bool dry_run = f.boolean("dry_run").value_or(false);
  const Document doc = read_document(*doc_it);

  std::unordered_set<store::Id> before;
  for (const auto& a : unwrap(ctx.store.accounts().list(), "accounts")) before.insert(a.id);

  std::optional<CommandFailure> failure;
  bool rolled_back_dry_run = false;
  Result<void> r = ctx.store.transaction([&]() -> Result<void> {
    try {
      if (replace) remove_absent(ctx, doc);
      if (doc.customers)
        for (std::size_t i = 0; i < doc.customers->size(); ++i)
          at_record("customers", i,
                    [&](const std::string& at) { import_customer(ctx, (*doc.customers)[i], at); });
      if (doc.domains)
        for (std::size_t i = 0; i < doc.domains->size(); ++i)
          at_record("domains", i,
                    [&](const std::string& at) { import_domain(ctx, (*doc.domains)[i], at); });
      if (doc.accounts)
        for (std::size_t i = 0; i < doc.accounts->size(); ++i)
          at_record("accounts", i,
                    [&](const std::string& at) { import_account(ctx, (*doc.accounts)[i], at); });
      if (doc.providers)
        for (std::size_t i = 0; i < doc.providers->size(); ++i)
          at_record("providers", i,
                    [&](const std::string& at) { import_provider(ctx, (*doc.providers)[i], at); });
      if (doc.dialplans)
        for (std::size_t i = 0; i < doc.dialplans->size(); ++i)
          at_record("dialplans", i,
                    [&](const std::string& at) { import_dialplan(ctx, (*doc.dialplans)[i], at); });
    } catch (const CommandFailure& e) {
      failure = e;
      return make_error(Errc::invalid_argument, 0, "import failed");
    }
    if (dry_run) {
      rolled_back_dry_run = true;
      return make_error(Errc::closed, 0, "dry run: rolled back");
    }
    return {};
  });
  if (failure) throw *failure;
  if (!r && !rolled_back_dry_run) unwrap(std::move(r), "import");

  json counts = {{"customers", doc.customer_keys.size()},
                 {"domains", doc.domain_keys.size()},
                 {"accounts", doc.account_keys.size()}};
  // Only for documents that list them (older documents keep their answer).
  if (doc.providers) counts["providers"] = doc.provider_keys.size();
  if (doc.dialplans) counts["dialplans"] = doc.dialplan_keys.size();
  if (dry_run) return counts;
  // Bindings of accounts that are gone or now disabled go too.
  for (const auto& a : unwrap(ctx.store.accounts().list(), "accounts")) {
    before.erase(a.id);
    if (a.disabled) drop_bindings(ctx, a.id);
  }
  for (store::Id id : before) drop_bindings(ctx, id);
  unwrap(reload_directory(ctx), "reloading the directory");
  return counts;
}

}  // namespace

void register_provisioning_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("export", [&ctx](const json& params) -> CommandResult {
    Fields(params).only({});
    return export_document(ctx);
  });
  registry.add("import", [&ctx](const json& params) -> CommandResult {
    return import_document(ctx, params);
  });
}

}  // namespace sip::control::detail
