#include "sip/control/command_util.hpp"

#include <algorithm>
#include <ctime>

#include "sip/auth/digest.hpp"
#include "sip/auth/password.hpp"
#include "sip/registrar/registrar.hpp"
#include "sip/store/names.hpp"

namespace sip::control::detail {
namespace {

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

}  // namespace

void fail(Errc code, std::string message) {
  throw CommandFailure(code, std::move(message));
}

void fail_store(const Error& e, const std::string& what) {
  std::string message = what + ": ";
  message += (e.detail != nullptr && *e.detail != '\0') ? e.detail : errc_text(e.code);
  if (e.code == Errc::timed_out) message += " (the database did not answer in time)";
  fail(e.code, std::move(message));
}

// ---- Fields

Fields::Fields(const json& object, std::string where) : object_(object), where_(std::move(where)) {
  if (!object_.is_object())
    fail(Errc::invalid_argument,
         (where_.empty() ? std::string("params") : where_.substr(0, where_.size() - 1)) +
             ": expected an object");
}

void Fields::only(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, value] : object_.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      fail(Errc::invalid_argument, name(key) + ": unknown field");
  }
}

const json* Fields::find(std::string_view field) const {
  auto it = object_.find(field);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool Fields::has(std::string_view field) const {
  return find(field) != nullptr;
}

std::string Fields::required_string(std::string_view field) const {
  auto v = string(field);
  if (!v || v->empty()) fail(Errc::invalid_argument, name(field) + ": required");
  return *v;
}

std::optional<std::string> Fields::string(std::string_view field) const {
  const json* v = find(field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) fail(Errc::invalid_argument, name(field) + ": expected a string");
  return v->get<std::string>();
}

std::optional<bool> Fields::boolean(std::string_view field) const {
  const json* v = find(field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) fail(Errc::invalid_argument, name(field) + ": expected true or false");
  return v->get<bool>();
}

std::optional<int> Fields::integer(std::string_view field, int min, int max) const {
  const json* v = find(field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer()) fail(Errc::invalid_argument, name(field) + ": expected an integer");
  auto n = v->get<std::int64_t>();
  if (n < min || n > max)
    fail(Errc::invalid_argument,
         name(field) + ": must be between " + std::to_string(min) + " and " + std::to_string(max));
  return static_cast<int>(n);
}

std::optional<std::int64_t> Fields::integer64(std::string_view field, std::int64_t min,
                                              std::int64_t max) const {
  const json* v = find(field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer()) fail(Errc::invalid_argument, name(field) + ": expected an integer");
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    fail(Errc::invalid_argument,
         name(field) + ": must be between " + std::to_string(min) + " and " + std::to_string(max));
  auto n = v->get<std::int64_t>();
  if (n < min || n > max)
    fail(Errc::invalid_argument,
         name(field) + ": must be between " + std::to_string(min) + " and " + std::to_string(max));
  return n;
}

std::optional<std::vector<std::string>> Fields::string_list(std::string_view field) const {
  const json* v = find(field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) fail(Errc::invalid_argument, name(field) + ": expected a list of strings");
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string())
      fail(Errc::invalid_argument, name(field) + ": expected a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

// ---- validation

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

void check_customer_username(const std::string& value, const std::string& field) {
  if (!store::valid_customer_username(value))
    fail(Errc::invalid_argument,
         field + ": " + quoted(value) + " is not " + store::kCustomerUsernameRule);
}

void check_account_username(const std::string& value, const std::string& field) {
  if (!store::valid_account_username(value))
    fail(Errc::invalid_argument, field + ": " + quoted(value) + " is not a SIP account name (" +
                                     store::kAccountUsernameRule + ")");
}

void check_host(const std::string& value, const std::string& field) {
  bool ok = !value.empty() && value.size() <= 253 && value.front() != '.' && value.front() != '-' &&
            value.back() != '.' && value.find("..") == std::string::npos &&
            std::all_of(value.begin(), value.end(), [](unsigned char c) {
              return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
            });
  if (!ok) fail(Errc::invalid_argument, field + ": " + quoted(value) + " is not a host name");
}

void check_text(const std::string& value, const std::string& field, std::size_t max) {
  if (value.size() > max)
    fail(Errc::invalid_argument, field + ": longer than " + std::to_string(max) + " characters");
  if (std::any_of(value.begin(), value.end(), [](unsigned char c) { return is_control(c); }))
    fail(Errc::invalid_argument, field + ": contains control characters");
}

void check_password(const std::string& value, const std::string& field) {
  if (value.empty()) fail(Errc::invalid_argument, field + ": must not be empty");
  check_text(value, field, 256);
}

const char* keepalive_name(store::KeepAliveMode m) noexcept {
  switch (m) {
    case store::KeepAliveMode::Crlf: return "crlf";
    case store::KeepAliveMode::Options: return "options";
    case store::KeepAliveMode::None: return "none";
  }
  return "crlf";
}

std::optional<store::KeepAliveMode> parse_keepalive(std::string_view s) noexcept {
  for (auto m :
       {store::KeepAliveMode::Crlf, store::KeepAliveMode::Options, store::KeepAliveMode::None}) {
    if (s == keepalive_name(m)) return m;
  }
  return std::nullopt;
}

// ---- records

json customer_json(const store::Customer& c) {
  return {{"id", c.id},
          {"username", c.username},
          {"api_key", c.api_key},
          {"time_zone", c.time_zone},
          {"max_executions", c.max_executions},
          {"max_accounts", c.max_accounts},
          {"admin", c.admin},
          {"disabled", c.disabled},
          {"created", c.created}};
}

json domain_json(const store::Domain& d, const std::string& owner) {
  return {{"id", d.id},     {"name", d.name},      {"aliases", d.aliases}, {"owner_id", d.owner_id},
          {"owner", owner}, {"created", d.created}};
}

json account_json(const store::SipAccount& a, const std::string& owner) {
  return {{"id", a.id},
          {"owner_id", a.owner_id},
          {"owner", owner},
          {"username", a.username},
          {"domain", a.domain},
          {"out_dialplan", a.out_dialplan},
          {"in_dialplan", a.in_dialplan},
          {"incoming_only", a.incoming_only},
          {"disabled", a.disabled},
          {"keepalive", keepalive_name(a.keepalive)},
          {"ip_acl", a.ip_acl},
          {"dont_mangle", a.dont_mangle},
          {"network_id", a.network_id},
          {"digest_algorithms", a.digest_algorithms},
          {"description", a.description},
          {"created", a.created}};
}

json binding_json(const store::Binding& b, const std::string& account, std::int64_t now) {
  return {{"account", account},
          {"account_id", b.account_id},
          {"contact_key", b.contact_key},
          {"contact_uri", b.contact_uri},
          {"mangled_uri", b.mangled_uri},
          // The registrar rewrote the contact (NAT): requests go to mangled_uri.
          {"mangled", !b.mangled_uri.empty() && b.mangled_uri != b.contact_uri},
          {"instance_id", b.instance_id},
          {"user_agent", b.user_agent},
          {"call_id", b.call_id},
          {"cseq", b.cseq},
          {"q", b.q},
          {"transport", b.transport},
          {"remote", b.remote},
          {"local", b.local},
          {"registered", b.registered},
          {"updated", b.updated},
          {"expires", b.expires},
          {"expires_in", std::max<std::int64_t>(0, b.expires - now)}};
}

json provider_json(const store::Provider& p, const std::string& owner) {
  return {{"id", p.id},
          {"owner_id", p.owner_id},
          {"owner", owner},
          {"name", p.name},
          {"type", p.type},
          {"server", p.server},
          {"username", p.username},
          {"password_set", !p.password.empty()},
          {"auth_username", p.auth_username},
          {"outbound_proxy", p.outbound_proxy},
          {"from", p.from_template},
          {"custom_headers", p.custom_headers},
          {"register_enabled", p.register_enabled},
          {"register_contact", p.register_contact},
          {"register_expiry", p.register_expiry},
          {"register_server", p.register_server},
          {"register_realm", p.register_realm},
          {"read_only", p.read_only},
          {"created", p.created}};
}

json dialplan_json(const store::DialPlan& d, const std::string& owner, bool with_source) {
  json out = {{"id", d.id},
              {"owner_id", d.owner_id},
              {"owner", owner},
              {"name", d.name},
              {"type", d.type},
              {"description", d.description},
              {"source_bytes", d.source.size()},
              {"created", d.created},
              {"updated", d.updated}};
  if (with_source) out["source"] = d.source;
  return out;
}

std::unordered_map<store::Id, std::string> customer_names(store::Store& store) {
  std::unordered_map<store::Id, std::string> out;
  for (const auto& c : unwrap(store.customers().list(), "customers")) out[c.id] = c.username;
  return out;
}

std::string name_of(const std::unordered_map<store::Id, std::string>& names, store::Id id) {
  auto it = names.find(id);
  return it == names.end() ? std::string() : it->second;
}

// ---- lookups

store::Customer find_customer(store::Store& store, const std::string& username) {
  auto r = store.customers().find(username);
  if (!r && r.error().code == Errc::not_found)
    fail(Errc::not_found, "no customer " + quoted(username));
  return unwrap(std::move(r), "customer " + quoted(username));
}

store::Domain find_domain(store::Store& store, const std::string& name) {
  auto r = store.domains().find(name);
  if (!r && r.error().code == Errc::not_found) fail(Errc::not_found, "no domain " + quoted(name));
  return unwrap(std::move(r), "domain " + quoted(name));
}

store::Provider find_provider(store::Store& store, const store::Customer& owner,
                              const std::string& name) {
  const std::string what = "provider " + quoted(name) + " of " + quoted(owner.username);
  auto r = store.providers().find(owner.id, name);
  if (!r && r.error().code == Errc::not_found) fail(Errc::not_found, "no " + what);
  return unwrap(std::move(r), what);
}

store::DialPlan find_dialplan(store::Store& store, const store::Customer& owner,
                              const std::string& name) {
  const std::string what = "dial plan " + quoted(name) + " of " + quoted(owner.username);
  auto r = store.dialplans().find(owner.id, name);
  if (!r && r.error().code == Errc::not_found) fail(Errc::not_found, "no " + what);
  return unwrap(std::move(r), what);
}

store::SipAccount find_account(store::Store& store, const std::string& username,
                               const std::string& domain) {
  auto r = store.accounts().find(username, domain);
  if (!r && r.error().code == Errc::not_found)
    fail(Errc::not_found, "no account " + username + "@" + domain);
  return unwrap(std::move(r), "account " + username + "@" + domain);
}

void set_account_password(store::SipAccount& account, const std::string& password) {
  const std::string what = "account " + account.username + "@" + account.domain;
  account.ha1_md5 =
      unwrap(auth::ha1(auth::DigestHash::Md5, account.username, account.domain, password), what);
  account.ha1_sha256 =
      unwrap(auth::ha1(auth::DigestHash::Sha256, account.username, account.domain, password), what);
}

std::string hash_customer_password(const Context& ctx, const std::string& password) {
  std::string hash = ctx.password_iterations == 0
                         ? auth::hash_password(password)
                         : auth::hash_password(password, ctx.password_iterations);
  if (hash.empty()) fail(Errc::storage, "password: hashing failed");
  return hash;
}

std::int64_t unix_now(const Context& context) {
  if (context.wall != nullptr) return context.wall->unix_seconds();
  return static_cast<std::int64_t>(std::time(nullptr));
}

std::vector<store::Binding> current_bindings(Context& context) {
  if (context.registrar != nullptr) return context.registrar->all_bindings();
  return unwrap(context.store.bindings().list(), "bindings");
}

void drop_bindings(Context& context, store::Id account_id) {
  if (context.registrar == nullptr) return;
  // not_found: there were none.
  (void)context.registrar->remove_all(account_id, registrar::RemovalReason::Administrative);
}

}  // namespace sip::control::detail
