// What sipreg will do, derived from the options before any I/O: the
// registrar URI and address of record, the outbound proxy route, what to
// resolve for the next hop (or the next hop itself for a numeric host), and
// the RegistrationConfig handed to libsip. Throws UsageError.
// Thread-safety: start-up only.
#pragma once

#include <optional>
#include <string>

#include "options.hpp"
#include "sip/dns/rfc3263.hpp"
#include "sip/dns/target.hpp"
#include "sip/transport/address.hpp"
#include "sip/transport/transport.hpp"
#include "sip/ua/registration.hpp"
#include "sip/ua/target.hpp"

namespace sipsmith::sipreg {

struct Plan {
  sip::ua::TargetSpec registrar;                       // TARGET as parsed
  std::optional<sip::ua::TargetSpec> proxy;            // --proxy as parsed
  sip::dns::Query next_hop;                            // the proxy, else the registrar
  std::optional<sip::dns::Target> numeric;             // next hop needing no DNS
  std::optional<sip::transport::SocketAddress> local;  // --local
  sip::ua::RegistrationConfig config;                  // everything but the targets and credentials
  std::string auth_user;                               // --auth-user, else the AOR's user
};

Plan make_plan(const Options& o);

// The Destination for a resolved target, with --tls-name applied.
sip::transport::Destination destination_for(const sip::dns::Target& t, const Options& o);

}  // namespace sipsmith::sipreg
