// The setting of a sipproxyd call test: a temporary directory, the real
// daemon on a free loopback port (MD5-only digest so SIPp 3.6 can answer
// challenges), provisioning through the control socket (customer "demo"
// owning the accounts, providers and dial plans given), SIPp callers, and
// bounded polling of cdr.list. Thread-safety: test thread only.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "support/process.hpp"
#include "support/sipp_call.hpp"
#include "support/sipproxyd_fixture.hpp"

namespace sipsmith::itest {

inline constexpr const char* kCallDomain = "sipsmith.test";
inline constexpr const char* kAlicePassword = "alice-pw-123";  // as in call_uac_auth.xml
inline constexpr const char* kProviderUser = "provuser";       // as in call_provider_auth.xml
inline constexpr const char* kProviderPassword = "prov-secret-1";

// An account record of the provisioning document, owner "demo". With
// `acl` it has ip_acl 127.0.0.0/8 (no digest from loopback); keepalive is
// off so the daemon sends nothing unexpected to SIPp phones.
json account_record(const std::string& username, bool acl, const std::string& password = "",
                    const std::string& out_dialplan = "", const std::string& in_dialplan = "");
// A provider record (owner "demo") at sip:127.0.0.1:<port>, provuser / prov-secret-1.
json provider_record(const std::string& name, std::uint16_t port);
// A dial plan record (owner "demo") of type "dialstring".
json dialstring_plan(const std::string& name, const std::string& source);

class CallEnv {
 public:
  // `extra_config` is merged over the test defaults (e.g. {"b2bua": {...}}).
  explicit CallEnv(const json& extra_config = json::object());
  TempDir dir;
  Daemon daemon;

  // Imports customer "demo" with these records (providers and dial plans
  // first when the import document does not take them: provider.add and
  // dialplan.add). Throws with the daemon's error.
  void provision(const json& accounts, const json& providers = json::array(),
                 const json& dialplans = json::array());
  std::size_t binding_count(const std::string& username);

  // A SIPp UAC against the daemon calling `service` (request-URI user).
  std::unique_ptr<SippCall> caller(const std::string& scenario, const std::string& service,
                                   std::vector<std::pair<std::string, std::string>> keys = {});
  std::unique_ptr<SippCall> phone(const std::string& user, const std::string& scenario,
                                  std::vector<std::pair<std::string, std::string>> keys = {});
  // A UAS playing a provider on a free port (give its port() to provider_record).
  std::unique_ptr<SippCall> provider(const std::string& scenario,
                                     std::vector<std::pair<std::string, std::string>> keys = {});

  // cdr.list (no filter), polled until it holds at least `n` records that
  // all have a final status (answer_status != 0) and, when answered (2xx),
  // a hangup time; returns the last answer either way.
  json wait_cdrs(std::size_t n, Millis limit = Millis(10000));
};

// The CDRs in `cdrs` with direction `direction`.
json cdrs_with(const json& cdrs, const std::string& direction);
// Readable failure context.
std::string dump(const json& j);

}  // namespace sipsmith::itest
