// Lookups: everything a dial plan execution looks up while it runs, in one
// interface: the Host (sys.IsMine, sys.GetBindings ...), the RouteSource
// (dial string resolution) and the view of the account a call is bound to.
// Implemented over the daemon's Directory and bindings (DirectoryHost) and
// over dialplan-test's environment file.
// Thread-safety: the thread that drives the execution.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sip/dialplan/call_context.hpp"
#include "sip/dialplan/host.hpp"
#include "sip/routing/router.hpp"

namespace sip::dialer {

class Lookups : public dialplan::Host, public routing::RouteSource {
 public:
  // The account `user` at a served domain or alias (exact user), as scripts
  // see it (sys.FromSIPAccount); nullopt when there is none.
  virtual std::optional<dialplan::AccountView> account_view(std::string_view user,
                                                            std::string_view domain) = 0;
  // Simulated time moved on (lookups that show relative times follow it).
  virtual void set_now(std::int64_t /*unix_seconds*/) {}
  // The dial plan `name` of customer `owner` (a loop-back runs the called
  // account's in dial plan); null when there is none.
  virtual const store::DialPlan* find_dialplan(store::Id /*owner*/, std::string_view /*name*/) {
    return nullptr;
  }
};

}  // namespace sip::dialer
