#include "sip/directory/directory.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace sip::directory {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

// "owner/lower name": the provider and dial plan index key.
std::string owned_key(store::Id owner, std::string_view name) {
  std::string k = std::to_string(owner);
  k.push_back('/');
  k += lower(name);
  return k;
}

}  // namespace

std::string Directory::key(std::string_view user, std::string_view domain) {
  std::string k = lower(user);
  k.push_back('@');
  k += lower(domain);
  return k;
}

void Directory::set_domains(std::vector<store::Domain> domains, std::string default_domain) {
  domains_ = std::move(domains);
  default_domain_ = lower(default_domain);
  reindex_domains();
}

void Directory::upsert_domain(store::Domain domain) {
  auto it = std::find_if(domains_.begin(), domains_.end(),
                         [&](const store::Domain& d) { return d.id == domain.id; });
  if (it == domains_.end()) {
    domains_.push_back(std::move(domain));
  } else {
    *it = std::move(domain);
  }
  reindex_domains();
}

void Directory::remove_domain(store::Id id) {
  std::erase_if(domains_, [&](const store::Domain& d) { return d.id == id; });
  reindex_domains();
}

void Directory::reindex_domains() {
  domain_index_.clear();
  for (const auto& d : domains_) {
    std::string name = lower(d.name);
    domain_index_[name] = name;
    for (const auto& a : d.aliases) domain_index_.emplace(lower(a), name);
  }
  if (default_domain_.empty() && !domains_.empty()) default_domain_ = lower(domains_.front().name);
  if (!default_domain_.empty() && domain_index_.count(default_domain_) != 0) {
    domain_index_.emplace("local", default_domain_);
  }
}

std::optional<std::string_view> Directory::canonical_domain(std::string_view host) const {
  // Host names are short; a lower-cased copy keeps the lookup simple.
  auto it = domain_index_.find(lower(host));
  if (it == domain_index_.end()) return std::nullopt;
  return std::string_view(it->second);
}

void Directory::set_accounts(std::vector<store::SipAccount> accounts) {
  accounts_.clear();
  account_index_.clear();
  for (auto& a : accounts) upsert_account(std::move(a));
}

void Directory::upsert_account(store::SipAccount account) {
  auto old = accounts_.find(account.id);
  if (old != accounts_.end()) account_index_.erase(key(old->second.username, old->second.domain));
  account_index_[key(account.username, account.domain)] = account.id;
  store::Id id = account.id;
  accounts_[id] = std::move(account);
}

void Directory::remove_account(store::Id id) {
  auto it = accounts_.find(id);
  if (it == accounts_.end()) return;
  account_index_.erase(key(it->second.username, it->second.domain));
  accounts_.erase(it);
}

const store::SipAccount* Directory::find(std::string_view user, std::string_view host) const {
  auto domain = canonical_domain(host);
  if (!domain) return nullptr;
  auto it = account_index_.find(key(user, *domain));
  if (it == account_index_.end()) return nullptr;
  return get(it->second);
}

const store::SipAccount* Directory::find_with_fallback(std::string_view user,
                                                       std::string_view host) const {
  if (const auto* a = find(user, host)) return a;
  auto dot = user.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= user.size()) return nullptr;
  return find(user.substr(dot + 1), host);
}

const store::SipAccount* Directory::get(store::Id id) const {
  auto it = accounts_.find(id);
  return it == accounts_.end() ? nullptr : &it->second;
}

// ---- customers

void Directory::set_customers(std::vector<store::Customer> customers) {
  customers_.clear();
  customer_index_.clear();
  for (auto& c : customers) upsert_customer(std::move(c));
}

void Directory::upsert_customer(store::Customer customer) {
  customer.password_hash.clear();
  customer.api_key.clear();
  auto old = customers_.find(customer.id);
  if (old != customers_.end()) customer_index_.erase(lower(old->second.username));
  customer_index_[lower(customer.username)] = customer.id;
  const store::Id id = customer.id;
  customers_[id] = std::move(customer);
}

void Directory::remove_customer(store::Id id) {
  auto it = customers_.find(id);
  if (it != customers_.end()) {
    customer_index_.erase(lower(it->second.username));
    customers_.erase(it);
  }
  // The store removes the customer's providers and dial plans with it.
  std::vector<store::Id> gone;
  for (const auto& [pid, p] : providers_)
    if (p.owner_id == id) gone.push_back(pid);
  for (store::Id pid : gone) remove_provider(pid);
  gone.clear();
  for (const auto& [did, d] : dialplans_)
    if (d.owner_id == id) gone.push_back(did);
  for (store::Id did : gone) remove_dialplan(did);
}

const store::Customer* Directory::customer(store::Id id) const {
  auto it = customers_.find(id);
  return it == customers_.end() ? nullptr : &it->second;
}

const store::Customer* Directory::find_customer(std::string_view username) const {
  auto it = customer_index_.find(lower(username));
  return it == customer_index_.end() ? nullptr : customer(it->second);
}

// ---- providers

void Directory::set_providers(std::vector<store::Provider> providers) {
  providers_.clear();
  provider_index_.clear();
  for (auto& p : providers) upsert_provider(std::move(p));
}

void Directory::upsert_provider(store::Provider provider) {
  auto old = providers_.find(provider.id);
  if (old != providers_.end())
    provider_index_.erase(owned_key(old->second.owner_id, old->second.name));
  provider_index_[owned_key(provider.owner_id, provider.name)] = provider.id;
  const store::Id id = provider.id;
  providers_[id] = std::move(provider);
}

void Directory::remove_provider(store::Id id) {
  auto it = providers_.find(id);
  if (it == providers_.end()) return;
  provider_index_.erase(owned_key(it->second.owner_id, it->second.name));
  providers_.erase(it);
}

const store::Provider* Directory::find_provider(store::Id owner, std::string_view name) const {
  auto it = provider_index_.find(owned_key(owner, name));
  if (it == provider_index_.end()) return nullptr;
  auto p = providers_.find(it->second);
  return p == providers_.end() ? nullptr : &p->second;
}

std::vector<const store::Provider*> Directory::providers_of(store::Id owner) const {
  std::vector<const store::Provider*> out;
  for (const auto& [id, p] : providers_)
    if (p.owner_id == owner) out.push_back(&p);
  std::sort(out.begin(), out.end(), [](const store::Provider* a, const store::Provider* b) {
    return lower(a->name) < lower(b->name);
  });
  return out;
}

// ---- dial plans

void Directory::set_dialplans(std::vector<store::DialPlan> plans) {
  dialplans_.clear();
  dialplan_index_.clear();
  for (auto& d : plans) upsert_dialplan(std::move(d));
}

void Directory::upsert_dialplan(store::DialPlan plan) {
  auto old = dialplans_.find(plan.id);
  if (old != dialplans_.end())
    dialplan_index_.erase(owned_key(old->second.owner_id, old->second.name));
  dialplan_index_[owned_key(plan.owner_id, plan.name)] = plan.id;
  const store::Id id = plan.id;
  dialplans_[id] = std::move(plan);
}

void Directory::remove_dialplan(store::Id id) {
  auto it = dialplans_.find(id);
  if (it == dialplans_.end()) return;
  dialplan_index_.erase(owned_key(it->second.owner_id, it->second.name));
  dialplans_.erase(it);
}

const store::DialPlan* Directory::find_dialplan(store::Id owner, std::string_view name) const {
  auto it = dialplan_index_.find(owned_key(owner, name));
  if (it == dialplan_index_.end()) return nullptr;
  auto d = dialplans_.find(it->second);
  return d == dialplans_.end() ? nullptr : &d->second;
}

}  // namespace sip::directory
