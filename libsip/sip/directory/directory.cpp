#include "sip/directory/directory.hpp"

#include <algorithm>
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

}  // namespace sip::directory
