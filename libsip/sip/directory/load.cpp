#include "sip/directory/load.hpp"

#include <utility>

namespace sip::directory {

Result<void> load_directory(store::Store& store, Directory& directory, std::string default_domain) {
  auto domains = store.domains().list();
  if (!domains) return domains.error();
  auto accounts = store.accounts().list();
  if (!accounts) return accounts.error();
  auto customers = store.customers().list();
  if (!customers) return customers.error();
  auto providers = store.providers().list();
  if (!providers) return providers.error();
  auto plans = store.dialplans().list();
  if (!plans) return plans.error();
  Directory::Edit edit(directory);  // one new version
  edit.set_domains(std::move(domains).value(), std::move(default_domain));
  edit.set_accounts(std::move(accounts).value());
  edit.set_customers(std::move(customers).value());
  edit.set_providers(std::move(providers).value());
  edit.set_dialplans(std::move(plans).value());
  edit.commit();
  return {};
}

}  // namespace sip::directory
