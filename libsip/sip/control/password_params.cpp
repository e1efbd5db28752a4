#include "sip/control/password_params.hpp"

#include "sip/auth/password.hpp"
#include "sip/control/command_util.hpp"

namespace sip::control {
namespace {

using nlohmann::json;

bool is_customer_change(std::string_view method) {
  return method == "customer.add" || method == "customer.update";
}

bool has_clear_password(const json& record) {
  if (!record.is_object()) return false;
  auto it = record.find("password");
  return it != record.end() && it->is_string();
}

// The import document's customer records, or null.
template <class Json>
Json* import_customers(Json& params) {
  auto doc = params.find("document");
  if (doc == params.end() || !doc->is_object()) return nullptr;
  auto customers = doc->find("customers");
  if (customers == doc->end() || !customers->is_array()) return nullptr;
  return &*customers;
}

// Replaces the string "password" of `record` by its hash; `field` names
// it in errors (a CommandFailure).
void hash_one(json& record, const std::string& field, std::uint32_t iterations) {
  if (!has_clear_password(record)) return;  // other types: the command reports them
  const std::string password = record["password"].get<std::string>();
  detail::check_password(password, field);
  std::string hash =
      iterations == 0 ? auth::hash_password(password) : auth::hash_password(password, iterations);
  if (hash.empty()) detail::fail(Errc::storage, field + ": hashing failed");
  record.erase("password");
  record["password_hash"] = std::move(hash);
}

}  // namespace

bool has_password_params(std::string_view method, const json& params) {
  if (!params.is_object()) return false;
  if (is_customer_change(method)) return method == "customer.add" || has_clear_password(params);
  if (method != "import") return false;
  const json* customers = import_customers(params);
  if (customers == nullptr) return false;
  for (const auto& c : *customers)
    if (has_clear_password(c)) return true;
  return false;
}

CommandResult hash_password_params(std::string_view method, json params, std::uint32_t iterations,
                                   std::string* generated) {
  if (!params.is_object()) return params;  // the registry answers invalid_request
  try {
    if (is_customer_change(method)) {
      if (method == "customer.add" && !params.contains("password") &&
          !params.contains("password_hash")) {
        *generated = generate_password();
        params["password"] = *generated;
      }
      hash_one(params, "password", iterations);
    } else if (method == "import") {
      if (json* customers = import_customers(params)) {
        for (std::size_t i = 0; i < customers->size(); ++i)
          hash_one((*customers)[i], "customers[" + std::to_string(i) + "].password", iterations);
      }
    }
  } catch (const CommandFailure& e) {
    return e.error();
  }
  return params;
}

}  // namespace sip::control
