#include "plan.hpp"

#include "common/cli.hpp"
#include "sip/uri/uri.hpp"

namespace sipsmith::sipreg {
namespace {

sip::ua::TargetSpec parse_or_throw(const std::string& what, const std::string& text,
                                   std::optional<sip::transport::Kind> forced) {
  auto spec = sip::ua::parse_target(text, forced);
  if (!spec) throw UsageError(what + ": " + spec.error().detail + ": " + text);
  return std::move(spec).value();
}

std::string bracketed(const sip::ua::TargetSpec& t) {
  return t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
}

}  // namespace

Plan make_plan(const Options& o) {
  Plan p;
  std::optional<sip::transport::Kind> forced;
  if (!o.transport.empty()) forced = sip::transport::kind_from_name(o.transport);

  // --transport applies to the next hop: the proxy when there is one.
  p.registrar = parse_or_throw("target", o.target, o.proxy.empty() ? forced : std::nullopt);
  if (!o.proxy.empty()) p.proxy = parse_or_throw("--proxy", o.proxy, forced);
  const sip::ua::TargetSpec& hop = p.proxy ? *p.proxy : p.registrar;
  auto q = sip::dns::make_query(hop.host, hop.port, hop.kind, hop.sips);
  if (!q) throw UsageError(std::string("cannot resolve ") + hop.uri + ": " + q.error().detail);
  p.next_hop = std::move(q).value();
  p.numeric = sip::dns::numeric_target(p.next_hop);

  if (!o.local.empty()) p.local = sip::transport::SocketAddress::parse(o.local, 0);

  sip::ua::RegistrationConfig& c = p.config;
  const std::string scheme = p.registrar.sips ? "sips:" : "sip:";
  if (!o.aor.empty()) {
    auto u = sip::uri::parse_uri(o.aor);
    if (!u || !u->is_sip() || u->user.empty())
      throw UsageError("--aor: not a sip:/sips: URI with a user: " + o.aor);
    c.aor = o.aor;
  } else {
    c.aor = scheme + o.user + "@" + bracketed(p.registrar);
    if (!sip::uri::parse_uri(c.aor)) throw UsageError("--user: not usable in a SIP URI: " + o.user);
  }
  if (!o.auth_user.empty()) {
    p.auth_user = o.auth_user;
  } else if (auto u = sip::uri::parse_uri(c.aor)) {
    p.auth_user = std::string(u->user);  // as written (escaped), like --user
  }
  c.registrar_uri = p.registrar.uri;
  if (p.proxy) {
    auto u = sip::uri::parse_uri(p.proxy->uri);
    c.route.push_back("<" + p.proxy->uri + (u && u->has_param("lr") ? "" : ";lr") + ">");
  }
  if (!o.contact.empty()) {
    auto u = sip::uri::parse_uri(o.contact);
    if (!u || u->scheme == sip::uri::Scheme::Other)
      throw UsageError("--contact: not a SIP URI: " + o.contact);
    c.contact = o.contact;
  }
  c.expires = o.expires;
  c.user_agent = o.user_agent.empty() ? "sipsmith-sipreg/" + cli::version() : o.user_agent;
  return p;
}

sip::transport::Destination destination_for(const sip::dns::Target& t, const Options& o) {
  sip::transport::Destination d;
  d.kind = t.kind;
  d.address = t.address;
  d.tls_name = o.tls_name.empty() ? t.tls_name : o.tls_name;
  return d;
}

}  // namespace sipsmith::sipreg
