// Filling a Directory from the provisioning store: every domain, account,
// customer, provider and dial plan, read through the repositories (no SQL
// here). Used by the daemon's reload and by tools that read a store.
// Thread-safety: the caller's thread; `store` and `directory` are not shared.
#pragma once

#include <string>

#include "sip/base/result.hpp"
#include "sip/directory/directory.hpp"
#include "sip/store/store.hpp"

namespace sip::directory {

// Replaces the Directory's contents (one new version); `default_domain` is what "local" means
// when no domain lists it as an alias. On error the Directory is unchanged.
Result<void> load_directory(store::Store& store, Directory& directory, std::string default_domain);

}  // namespace sip::directory
