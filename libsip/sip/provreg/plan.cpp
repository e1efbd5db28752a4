#include "sip/provreg/plan.hpp"

#include <algorithm>

#include "sip/uri/uri.hpp"

namespace sip::provreg {
namespace {

constexpr std::uint64_t kFnvOffset = 1469598103934665603ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

std::uint64_t fnv(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  h ^= 0xff;  // field separator
  h *= kFnvPrime;
  return h;
}

std::string hex(std::uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = kHex[v & 15];
  return out;
}

}  // namespace

std::string contact_uri(const store::Provider& p, std::string_view default_domain) {
  std::string c = p.register_contact;
  if (c.empty()) return "sip:" + p.name + "." + p.username + "@" + std::string(default_domain);
  if (c.rfind("sip:", 0) != 0 && c.rfind("sips:", 0) != 0) c = "sip:" + c;
  return c;
}

std::string instance_id(store::Id provider_id, std::string_view server_name) {
  const std::uint64_t a = fnv(fnv(kFnvOffset, "sipsmith-provider"), std::to_string(provider_id));
  const std::uint64_t b = fnv(fnv(a, server_name), "instance");
  // A version-5-shaped UUID (RFC 4122 layout) from the two hashes.
  const std::string h = hex(a, 16) + hex(b, 16);
  return "<urn:uuid:" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-5" + h.substr(13, 3) + "-a" +
         h.substr(17, 3) + "-" + h.substr(20, 12) + ">";
}

std::uint64_t fingerprint(const store::Provider& p, std::string_view default_domain) {
  std::uint64_t h = kFnvOffset;
  for (std::string_view f :
       {std::string_view(p.name), std::string_view(p.server), std::string_view(p.username),
        std::string_view(p.password), std::string_view(p.auth_username),
        std::string_view(p.outbound_proxy), std::string_view(p.register_contact),
        std::string_view(p.register_server), std::string_view(p.register_realm), default_domain})
    h = fnv(h, f);
  return fnv(h, std::to_string(p.register_expiry) + (p.register_enabled ? "1" : "0"));
}

std::optional<ProviderPlan> make_plan(const store::Provider& p, std::string_view default_domain,
                                      std::string_view server_name, std::string* why) {
  ProviderPlan plan;
  const std::string& server = p.register_server.empty() ? p.server : p.register_server;
  auto spec = ua::parse_target(server);
  if (!spec) {
    *why = "register server '" + server + "': " + std::string(spec.error().detail);
    return std::nullopt;
  }
  plan.registrar = std::move(spec).value();
  plan.next_hop = plan.registrar;
  if (!p.outbound_proxy.empty()) {
    // As for calls: the proxy is where the request goes (located by DNS);
    // nothing of it appears in the request.
    auto proxy = ua::parse_target(p.outbound_proxy);
    if (!proxy) {
      *why = "outbound proxy '" + p.outbound_proxy + "': " + std::string(proxy.error().detail);
      return std::nullopt;
    }
    plan.next_hop = std::move(proxy).value();
  }
  const std::string contact = contact_uri(p, default_domain);
  auto parsed = uri::parse_uri(contact);
  if (!parsed || parsed->user.empty()) {
    *why = "register contact '" + contact + "' is not a SIP URI with a user part";
    return std::nullopt;
  }
  plan.contact_user = std::string(parsed->user);

  ua::RegistrationConfig& c = plan.config;
  const std::string scheme = plan.registrar.sips ? "sips:" : "sip:";
  std::string realm_host = p.register_realm;
  if (realm_host.empty())
    realm_host = plan.registrar.host.find(':') != std::string::npos
                     ? "[" + plan.registrar.host + "]"
                     : plan.registrar.host;
  c.aor = scheme + p.username + "@" + realm_host;
  c.registrar_uri = plan.registrar.uri;
  c.contact = contact;
  c.contact_params = ";+sip.instance=\"" + instance_id(p.id, server_name) + "\"";
  c.expires = static_cast<std::uint32_t>(std::clamp(p.register_expiry, 60, 86400));
  c.credentials = auth::Credentials::with_password(
      p.auth_username.empty() ? p.username : p.auth_username, p.password);
  return plan;
}

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, std::uint32_t failures,
                                      double unit) {
  using ms = std::chrono::milliseconds;
  const std::uint32_t doublings = failures == 0 ? 0 : std::min<std::uint32_t>(failures - 1, 20);
  const long double grown =
      static_cast<long double>(policy.base.count()) * static_cast<long double>(1ULL << doublings);
  const long double capped = std::min<long double>(grown, policy.max.count());
  const double u = std::clamp(unit, 0.0, 1.0);
  const ms scaled(static_cast<ms::rep>(capped * (0.5L + 0.5L * u)));
  return std::max(scaled, policy.min_gap);
}

}  // namespace sip::provreg
