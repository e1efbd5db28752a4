#include "support/load_accounts.hpp"

#include <cstdio>
#include <fstream>

namespace sipsmith::itest {

std::string load_user(const std::string& prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%04d", prefix.c_str(), i);
  return buf;
}

nlohmann::json load_accounts_document(const std::string& prefix, int n, const std::string& csv_path,
                                      int max_accounts) {
  nlohmann::json accounts = nlohmann::json::array();
  std::ofstream csv(csv_path);
  csv << "SEQUENTIAL\n";
  for (int i = 1; i <= n; ++i) {
    const std::string user = load_user(prefix, i);
    const std::string password = "pw-" + user + "-x";
    accounts.push_back({{"owner", "load"},
                        {"username", user},
                        {"domain", "sipsmith.test"},
                        {"password", password}});
    csv << user << ";sipsmith.test;[authentication username=" << user << " password=" << password
        << "]\n";
  }
  return {{"format", "sipsmith-provisioning"},
          {"version", 1},
          {"customers", nlohmann::json::array({{{"username", "load"},
                                                {"password", "load-customer-pw"},
                                                {"max_accounts", max_accounts}}})},
          {"accounts", accounts}};
}

}  // namespace sipsmith::itest
