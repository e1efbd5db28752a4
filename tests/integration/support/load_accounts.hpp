// Digest accounts for load tests: customer "load" with accounts
// prefix0001..prefixNNNN at sipsmith.test (password "pw-<user>-x") as a
// provisioning document for `import`, and the same accounts as a SIPp
// injection CSV (SEQUENTIAL; scenario register_auth.xml).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace sipsmith::itest {

// "prefix0001" for i = 1.
std::string load_user(const std::string& prefix, int i);
// The provisioning document; writes the CSV to `csv_path`.
nlohmann::json load_accounts_document(const std::string& prefix, int n, const std::string& csv_path,
                                      int max_accounts = 5000);

}  // namespace sipsmith::itest
