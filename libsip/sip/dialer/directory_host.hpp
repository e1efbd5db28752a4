// DirectoryHost: the Lookups of the daemon, over its in-memory Directory
// (served domains, accounts, customers, providers) and a source of current
// bindings. The call manager answers its plans' lookups with it, the
// daemon's dry run and `dialplan-test --store` run plans against it, so a
// plan sees the same accounts, providers and bindings in all three.
// It answers from one Directory version (a Snapshot it keeps), so its
// answers and the pointers it returns stay valid and consistent for its
// lifetime, whatever the Directory does meanwhile. Thread-safety: one
// thread at a time (the functions it is given decide which).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/dialer/lookups.hpp"
#include "sip/directory/directory.hpp"
#include "sip/store/types.hpp"

namespace sip::dialer {

class DirectoryHost final : public Lookups {
 public:
  // The current bindings of an account.
  using BindingsFn = std::function<std::vector<store::Binding>(store::Id account)>;
  // Where calls to an account's bindings go (empty: from BindingsFn, with
  // no transport destination: enough for a simulation).
  using TargetsFn = std::function<std::vector<routing::BindingTarget>(store::Id account)>;
  // The owner's calls in progress (empty: none).
  using CallCountFn = std::function<std::size_t(store::Id owner)>;
  // Told when simulated time moves on (set_now), for a bindings source
  // whose expiry times follow it (dialplan-test's environment file).
  using NowFn = std::function<void(std::int64_t unix_seconds)>;

  DirectoryHost(directory::SnapshotPtr directory, BindingsFn bindings, TargetsFn targets = {},
                CallCountFn call_count = {});

  // The Directory version it answers from.
  const directory::Snapshot& snapshot() const noexcept { return *directory_; }
  void on_now(NowFn fn) { on_now_ = std::move(fn); }

  // The owner's providers as scripts see them (sys.Providers), by name.
  std::vector<dialplan::ProviderView> provider_views(store::Id owner) const;

  // Lookups
  std::optional<dialplan::AccountView> account_view(std::string_view user,
                                                    std::string_view domain) override;
  void set_now(std::int64_t unix_seconds) override {
    if (on_now_) on_now_(unix_seconds);
  }
  const store::DialPlan* find_dialplan(store::Id owner, std::string_view name) override {
    return directory_->find_dialplan(owner, name);
  }
  // dialplan::Host
  bool is_available(std::string_view user, std::string_view domain) override;
  bool is_mine(std::string_view owner, std::string_view user, std::string_view domain) override;
  bool account_exists(std::string_view user, std::string_view domain) override;
  std::optional<std::vector<dialplan::BindingView>> bindings(std::string_view owner,
                                                             std::string_view user,
                                                             std::string_view domain) override;
  std::optional<std::string> canonical_domain(std::string_view host) override;
  std::size_t current_call_count(std::string_view owner) override;
  std::vector<dialplan::AccountView> accounts(std::string_view owner) override;
  // routing::RouteSource (canonical_domain shared with Host)
  const store::SipAccount* find_account(std::string_view user, std::string_view domain) override;
  std::vector<routing::BindingTarget> bindings(const store::SipAccount& account) override;
  const store::Provider* find_provider(store::Id owner, std::string_view name) override;

 private:
  directory::SnapshotPtr directory_;  // never null
  BindingsFn bindings_;
  TargetsFn targets_;
  CallCountFn call_count_;
  NowFn on_now_;
};

// The AccountView of a stored account (never secrets).
dialplan::AccountView account_view_of(const store::SipAccount& account, std::string_view owner);

}  // namespace sip::dialer
