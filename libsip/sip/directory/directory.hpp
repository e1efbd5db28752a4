// Directory: the core thread's in-memory index of served domains (names and
// aliases) and SIP accounts, loaded from the store at start and kept in step
// by whoever changes the store (control commands, reload). The registrar and
// the call manager look accounts up here, never in SQL, so a REGISTER or an
// INVITE costs no database read. Thread-safety: core thread only. Returned
// pointers stay valid until the next mutating call.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sip/store/types.hpp"

namespace sip::directory {

class Directory {
 public:
  // Replaces every domain. `default_domain` (may be empty) is what the alias
  // "local" means when no domain lists it explicitly.
  void set_domains(std::vector<store::Domain> domains, std::string default_domain = {});
  void upsert_domain(store::Domain domain);
  void remove_domain(store::Id id);
  // The canonical name of a served domain or alias (case-insensitive), or
  // nullopt when `host` is not served here.
  std::optional<std::string_view> canonical_domain(std::string_view host) const;
  const std::vector<store::Domain>& domains() const noexcept { return domains_; }
  std::string_view default_domain() const noexcept { return default_domain_; }

  void set_accounts(std::vector<store::SipAccount> accounts);
  void upsert_account(store::SipAccount account);  // by id
  void remove_account(store::Id id);
  // Exact user (case-insensitive) at a served domain or alias.
  const store::SipAccount* find(std::string_view user, std::string_view host) const;
  // As find(), then the SIPSorcery dotted fallback: "anything.joe" -> "joe".
  const store::SipAccount* find_with_fallback(std::string_view user, std::string_view host) const;
  const store::SipAccount* get(store::Id id) const;
  std::size_t account_count() const noexcept { return accounts_.size(); }
  template <typename Fn>
  void for_each_account(Fn&& fn) const {
    for (const auto& [id, account] : accounts_) fn(account);
  }

  // Customers (id <-> username, time zone, caps) the call manager needs.
  void set_customers(std::vector<store::Customer> customers);
  void upsert_customer(store::Customer customer);  // by id; password_hash/api_key are dropped
  void remove_customer(store::Id id);              // also its providers and dial plans
  const store::Customer* customer(store::Id id) const;
  const store::Customer* find_customer(std::string_view username) const;  // case-insensitive

  // SIP providers, by owner and case-insensitive name.
  void set_providers(std::vector<store::Provider> providers);
  void upsert_provider(store::Provider provider);  // by id
  void remove_provider(store::Id id);
  const store::Provider* find_provider(store::Id owner, std::string_view name) const;
  std::vector<const store::Provider*> providers_of(store::Id owner) const;  // sorted by name

  // Dial plans, by owner and case-insensitive name.
  void set_dialplans(std::vector<store::DialPlan> plans);
  void upsert_dialplan(store::DialPlan plan);  // by id
  void remove_dialplan(store::Id id);
  const store::DialPlan* find_dialplan(store::Id owner, std::string_view name) const;

 private:
  static std::string key(std::string_view user, std::string_view domain);
  void reindex_domains();

  std::vector<store::Domain> domains_;
  std::string default_domain_;
  std::unordered_map<std::string, std::string> domain_index_;  // lower name/alias -> canonical
  std::unordered_map<store::Id, store::SipAccount> accounts_;
  std::unordered_map<std::string, store::Id> account_index_;  // lower user@canonical -> id
  std::unordered_map<store::Id, store::Customer> customers_;
  std::unordered_map<std::string, store::Id> customer_index_;  // lower username -> id
  std::unordered_map<store::Id, store::Provider> providers_;
  std::unordered_map<std::string, store::Id> provider_index_;  // "owner/lower name" -> id
  std::unordered_map<store::Id, store::DialPlan> dialplans_;
  std::unordered_map<std::string, store::Id> dialplan_index_;  // "owner/lower name" -> id
};

}  // namespace sip::directory
