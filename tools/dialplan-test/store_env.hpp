// dialplan-test --store: a stored dial plan and the world it runs in, read
// from a sipsmith SQLite store: the plan (its type from the store), every
// served domain, account, customer and provider, and the current bindings.
// The file is opened read-only (no write, no migration; a newer or older
// schema is refused) and read in one snapshot, so it is safe while
// sipproxyd runs; the connection is closed before the simulation starts.
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sip/dialer/directory_host.hpp"
#include "sip/directory/directory.hpp"
#include "sip/store/types.hpp"

namespace dialplan_test {

struct StoreEnvironment {
  sip::store::Customer owner;
  sip::store::DialPlan plan;
  sip::directory::Directory directory;
  std::unordered_map<sip::store::Id, std::vector<sip::store::Binding>> bindings;
  std::unique_ptr<sip::dialer::DirectoryHost> lookups;  // over the two above
};

// Throws InputError ("STORE: ..."). `default_domain` (may be empty: the
// first domain added) is what the alias "local" means; bindings that expire
// at or before `now` are left out.
std::unique_ptr<StoreEnvironment> load_store_environment(const std::string& path,
                                                         const std::string& owner,
                                                         const std::string& plan,
                                                         const std::string& default_domain,
                                                         std::int64_t now);

}  // namespace dialplan_test
