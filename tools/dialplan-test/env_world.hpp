// dialplan-test's environment file as the daemon sees its world: a
// Directory version (the served domains, every owner as a customer, the
// accounts, the owner's providers, the dial plans loop-backs run) and the accounts' bindings, answered by
// the daemon's own dialer::DirectoryHost, so a plan's lookups follow the
// daemon's rules (case-insensitive users, aliases, "local", the dotted
// fallback) here as on the live service. Binding expiry follows simulated
// time: a binding's expires_in counts from the simulated now.
// Internal to dialplan-test. Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "inputs.hpp"
#include "sip/dialer/directory_host.hpp"
#include "sip/directory/directory.hpp"
#include "sip/store/types.hpp"

namespace dialplan_test {

struct EnvWorld {
  sip::directory::Directory directory;
  sip::store::Id owner_id = 0;  // the environment owner's customer id
  std::int64_t now = 0;         // simulated unix time
  std::unordered_map<sip::store::Id, std::vector<EnvBinding>> bindings;  // by account id
  std::unique_ptr<sip::dialer::DirectoryHost> lookups;                   // over the above
};

// Throws InputError when an account's domain is not one of the
// environment's domains.
std::unique_ptr<EnvWorld> make_env_world(const Environment& env);

}  // namespace dialplan_test
