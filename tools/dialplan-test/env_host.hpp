// The environment file as the dial engine sees it (dialer::Lookups): the
// Host a dial plan queries (IsMine, GetBindings ...) and the
// routing::RouteSource that resolves dial strings (served domains, accounts
// with their bindings, providers). Binding expiry follows simulated time.
// Internal to dialplan-test. Thread-safety: one thread.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "inputs.hpp"
#include "sip/dialer/lookups.hpp"
#include "sip/store/types.hpp"

namespace dialplan_test {

class EnvHost final : public sip::dialer::Lookups {
 public:
  EnvHost(const Environment& env, std::int64_t now);
  void set_now(std::int64_t now) override { now_ = now; }
  std::optional<sip::dialplan::AccountView> account_view(std::string_view user,
                                                         std::string_view domain) override;

  // The environment's account at a served domain or alias (exact user).
  const EnvAccount* find_env_account(std::string_view user, std::string_view domain);
  // Customer id of an owner name (ids are made up per environment).
  sip::store::Id owner_id(std::string_view owner);

  // dialplan::Host
  bool is_available(std::string_view user, std::string_view domain) override;
  bool is_mine(std::string_view owner, std::string_view user, std::string_view domain) override;
  bool account_exists(std::string_view user, std::string_view domain) override;
  std::optional<std::vector<sip::dialplan::BindingView>> bindings(std::string_view owner,
                                                                  std::string_view user,
                                                                  std::string_view domain) override;
  std::optional<std::string> canonical_domain(std::string_view host) override;
  std::size_t current_call_count(std::string_view) override { return 0; }
  std::vector<sip::dialplan::AccountView> accounts(std::string_view owner) override;

  // routing::RouteSource
  const sip::store::SipAccount* find_account(std::string_view user,
                                             std::string_view domain) override;
  std::vector<sip::routing::BindingTarget> bindings(const sip::store::SipAccount& account) override;
  const sip::store::Provider* find_provider(sip::store::Id owner, std::string_view name) override;

 private:
  const Environment& env_;
  std::int64_t now_;
  std::vector<std::string> owners_;              // index + 1 = owner id
  std::deque<sip::store::SipAccount> accounts_;  // parallel to env_.accounts
  std::deque<sip::store::Provider> providers_;   // env_.owner's
};

}  // namespace dialplan_test
