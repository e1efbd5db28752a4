// Host: the synchronous lookups a dial plan may make while it runs (sys.IsMine,
// sys.GetBindings, ...). Decision: these are host callbacks, not actions,
// because the data (directory, bindings, call counts) is in memory on the core
// thread: answering inline costs nothing and keeps scripts simple. Slow or
// fallible things (Dial, key/value store, HTTP) stay actions.
// Thread-safety: called on the thread that drives the execution, only from
// inside start()/resume(). Implementations must not re-enter the execution.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/dialplan/call_context.hpp"

namespace sip::dialplan {

class Host {
 public:
  virtual ~Host() = default;

  // `domain` may be an alias ("local") or a served domain; implementations
  // canonicalise it. An unknown domain means "no such account".

  // The account exists and has at least one current binding.
  virtual bool is_available(std::string_view user, std::string_view domain) = 0;
  // The account exists and belongs to `owner`.
  virtual bool is_mine(std::string_view owner, std::string_view user, std::string_view domain) = 0;
  virtual bool account_exists(std::string_view user, std::string_view domain) = 0;
  // Bindings of an account `owner` owns; nullopt when it does not exist or is
  // not theirs (the script sees nil).
  virtual std::optional<std::vector<BindingView>> bindings(std::string_view owner,
                                                           std::string_view user,
                                                           std::string_view domain) = 0;
  // Canonical served domain of a host or alias; nullopt when not served.
  virtual std::optional<std::string> canonical_domain(std::string_view host) = 0;
  // The owner's calls in progress.
  virtual std::size_t current_call_count(std::string_view owner) = 0;
  // The owner's accounts, sorted by username.
  virtual std::vector<AccountView> accounts(std::string_view owner) = 0;
};

// Answers "nothing exists" to everything; used when CallContext::host is null.
class NullHost final : public Host {
 public:
  bool is_available(std::string_view, std::string_view) override { return false; }
  bool is_mine(std::string_view, std::string_view, std::string_view) override { return false; }
  bool account_exists(std::string_view, std::string_view) override { return false; }
  std::optional<std::vector<BindingView>> bindings(std::string_view, std::string_view,
                                                   std::string_view) override {
    return std::nullopt;
  }
  std::optional<std::string> canonical_domain(std::string_view) override { return std::nullopt; }
  std::size_t current_call_count(std::string_view) override { return 0; }
  std::vector<AccountView> accounts(std::string_view) override { return {}; }
};

}  // namespace sip::dialplan
