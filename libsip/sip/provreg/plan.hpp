// What the provider registration agent sends for one provider, as pure
// functions of the stored row: the address of record, the registrar to
// resolve, the Contact (the provider's register contact, default
// "<provider>.<username>@<default domain>"), a stable +sip.instance, the
// digest credentials, and the fingerprint that tells an edit from a reload.
// Also the retry policy: randomised, growing gaps with a minimum.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sip/store/types.hpp"
#include "sip/ua/registration.hpp"
#include "sip/ua/target.hpp"

namespace sip::provreg {

struct ProviderPlan {
  ua::TargetSpec registrar;       // register_server, else server: the Request-URI
  ua::TargetSpec next_hop;        // where REGISTER is sent: outbound_proxy, else registrar
  ua::RegistrationConfig config;  // aor, registrar_uri, contact(+params), expires, credentials
  std::string contact_user;       // the user part of the contact ("voip1.alice")
};

// nullopt with `*why` set (naming the field) when the server, outbound
// proxy or contact does not parse or the contact has no user part.
std::optional<ProviderPlan> make_plan(const store::Provider& p, std::string_view default_domain,
                                      std::string_view server_name, std::string* why);

// The contact URI the provider should send calls to ("sip:voip1.alice@example.com").
std::string contact_uri(const store::Provider& p, std::string_view default_domain);

// "<urn:uuid:...>": stable for (provider id, server name) across restarts.
std::string instance_id(store::Id provider_id, std::string_view server_name);

// Changes when any field the registration depends on changes (a SIGHUP that
// re-reads the same row keeps it).
std::uint64_t fingerprint(const store::Provider& p, std::string_view default_domain);

struct RetryPolicy {
  std::chrono::milliseconds min_gap{20'000};  // never two attempts closer than this
  std::chrono::milliseconds base{30'000};     // first retry after about this
  std::chrono::milliseconds max{600'000};     // cap of the growing gap
};

// Delay before attempt number `failures` + 1, after `failures` (>= 1)
// consecutive failed attempts: base * 2^(failures-1) capped at max, scaled by
// a factor from [0.5, 1.0] (`unit` in [0, 1], random in the agent), never
// below min_gap.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, std::uint32_t failures,
                                      double unit);

}  // namespace sip::provreg
