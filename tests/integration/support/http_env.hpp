// The HTTP API's test environment: a real sipproxyd with its "http" section
// on a free loopback port, a store pre-filled with support/cdr_fill's CDRs
// (customers "demo" and "other"), passwords set and SIP accounts added for
// both through the control socket, and a cpp-httplib client.
// Thread-safety: test thread only.
#pragma once

#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "support/process.hpp"
#include "support/sipproxyd_fixture.hpp"

namespace sipsmith::itest {

inline constexpr const char* kDemoPassword = "demo-pass-1";
inline constexpr const char* kOtherPassword = "other-pass-1";
inline constexpr const char* kRest = "/provisioning.svc/rest/";
inline constexpr int kFilledCdrs = 50;  // demo owns 40, other 10 (every fifth)

class HttpEnv {
 public:
  // `http` is the config's "http" section without "bind" (set here).
  explicit HttpEnv(json http = json::object());
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  std::uint16_t http_port() const noexcept { return http_port_; }
  httplib::Client& client() { return *client_; }
  Daemon& daemon() { return *daemon_; }
  const TempDir& dir() const { return dir_; }
  // customer/login; the authid, or "" on failure.
  std::string login(const std::string& user, const std::string& password);

 private:
  TempDir dir_;
  std::uint16_t http_port_ = 0;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace sipsmith::itest
