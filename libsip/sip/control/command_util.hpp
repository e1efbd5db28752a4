// Helpers shared by the control command files (internal to the module):
// typed access to request params that fails with invalid_argument naming the
// field, Result unwrapping into CommandFailure, and the JSON shapes of the
// store records (docs/control-protocol.md: snake_case member names, no secrets
// outside export). Only included by control .cpp files.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sip/base/result.hpp"
#include "sip/control/context.hpp"
#include "sip/control/registry.hpp"
#include "sip/store/types.hpp"

namespace sip::control::detail {

using nlohmann::json;

[[noreturn]] void fail(Errc code, std::string message);
// `what` names the operation/record, e.g. "account 1001@x.test".
[[noreturn]] void fail_store(const Error& e, const std::string& what);

template <class T>
T unwrap(Result<T> r, const std::string& what) {
  if (!r) fail_store(r.error(), what);
  return std::move(r).value();
}
inline void unwrap(Result<void> r, const std::string& what) {
  if (!r) fail_store(r.error(), what);
}

// ---- params. `where` prefixes messages ("" for request params, e.g.
// "accounts[2]." for an import record).
class Fields {
 public:
  Fields(const json& object, std::string where = {});
  // invalid_argument on a field not in `allowed`.
  void only(std::initializer_list<std::string_view> allowed) const;

  bool has(std::string_view field) const;
  std::string required_string(std::string_view field) const;  // non-empty
  std::optional<std::string> string(std::string_view field) const;
  std::optional<bool> boolean(std::string_view field) const;
  std::optional<int> integer(std::string_view field, int min, int max) const;
  std::optional<std::int64_t> integer64(std::string_view field, std::int64_t min,
                                        std::int64_t max) const;
  std::optional<std::vector<std::string>> string_list(std::string_view field) const;
  std::string name(std::string_view field) const { return where_ + std::string(field); }

 private:
  const json* find(std::string_view field) const;
  const json& object_;
  std::string where_;
};

// ---- validation (messages name the field)
void check_customer_username(const std::string& value, const std::string& field);
void check_account_username(const std::string& value, const std::string& field);
void check_host(const std::string& value, const std::string& field);
void check_text(const std::string& value, const std::string& field, std::size_t max);
void check_password(const std::string& value, const std::string& field);
std::string lower(std::string_view s);

const char* keepalive_name(store::KeepAliveMode m) noexcept;
std::optional<store::KeepAliveMode> parse_keepalive(std::string_view s) noexcept;

// ---- records -> JSON
json customer_json(const store::Customer& c);
json domain_json(const store::Domain& d, const std::string& owner);
json account_json(const store::SipAccount& a, const std::string& owner);
json binding_json(const store::Binding& b, const std::string& account, std::int64_t now);
// Never the password: "password_set" says whether there is one.
json provider_json(const store::Provider& p, const std::string& owner);
// With "source" only when `with_source` (list shows "source_bytes" only).
json dialplan_json(const store::DialPlan& d, const std::string& owner, bool with_source);

// Customer id -> username, for "owner" fields.
std::unordered_map<store::Id, std::string> customer_names(store::Store& store);
std::string name_of(const std::unordered_map<store::Id, std::string>& names, store::Id id);

// ---- lookups that fail with not_found and a clear message
store::Customer find_customer(store::Store& store, const std::string& username);
store::Domain find_domain(store::Store& store, const std::string& name);
store::Provider find_provider(store::Store& store, const store::Customer& owner,
                              const std::string& name);
store::DialPlan find_dialplan(store::Store& store, const store::Customer& owner,
                              const std::string& name);
store::SipAccount find_account(store::Store& store, const std::string& username,
                               const std::string& domain);

// The optional fields shared by add, update and import records (only the
// fields present are applied; validated, messages name the field).
void apply_customer_fields(const Fields& f, store::Customer& c);
void apply_account_fields(const Fields& f, store::SipAccount& a);
// Provider fields except owner and name ("from" sets from_template).
void apply_provider_fields(const Fields& f, store::Provider& p);
// type, source and description of a dial plan.
void apply_dialplan_fields(const Fields& f, store::DialPlan& d);
// Validate on save: compiles `d.source` with the compiler of `d.type`;
// invalid_argument "<field>: line L:C: message" (":C" only when the
// column is known) when it does not compile.
void compile_dialplan(const store::DialPlan& d, const std::string& field);
// Sets owner_id from a customer username, refusing a domain owned by
// another customer (a.domain must be set).
void set_owner(Context& ctx, store::SipAccount& a, const std::string& owner);

// Sets ha1_md5/ha1_sha256 for realm = the account's domain.
void set_account_password(store::SipAccount& account, const std::string& password);
// The PBKDF2 form of a customer password (storage error if OpenSSL fails).
std::string hash_customer_password(const Context& ctx, const std::string& password);

std::int64_t unix_now(const Context& context);

// The registrar's bindings when there is one, else the store's.
std::vector<store::Binding> current_bindings(Context& context);
// Drops an account's live bindings (registrar only; store rows go with the
// account or are removed by the caller).
void drop_bindings(Context& context, store::Id account_id);

// Registration of the command groups (commands_*.cpp).
void register_customer_commands(CommandRegistry& registry, Context& context);
void register_domain_commands(CommandRegistry& registry, Context& context);
void register_account_commands(CommandRegistry& registry, Context& context);
void register_binding_commands(CommandRegistry& registry, Context& context);
void register_provisioning_commands(CommandRegistry& registry, Context& context);
void register_provider_commands(CommandRegistry& registry, Context& context);
void register_dialplan_commands(CommandRegistry& registry, Context& context);
void register_dryrun_commands(CommandRegistry& registry, Context& context);
void register_cdr_commands(CommandRegistry& registry, Context& context);
void register_kv_commands(CommandRegistry& registry, Context& context);
void register_call_commands(CommandRegistry& registry, Context& context);
void register_console_commands(CommandRegistry& registry, Context& context);

}  // namespace sip::control::detail
