// Dial string resolution (docs/dialling.md): the legs of one
// Dial, stage by stage, each resolved to what the call manager needs to place
// it: request-URI, From, To, extra headers, options, and either a known
// transport destination (a registered binding) or a URI to locate by DNS.
// Order per destination: a served domain or `local` -> the account's
// bindings (one leg each), or one loop-back leg into the account's own in
// dial plan; a host without dots -> the owner's provider of that name;
// anything else -> an anonymous call to that SIP URI. Duplicate request-URIs
// are dropped; legs beyond `max_legs` are dropped as "leg limit".
// The rules are written down in docs/dialling.md.
// Thread-safety: call on the core thread; RouteSource is queried inline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/dialplan/action.hpp"
#include "sip/dialstring/destination.hpp"
#include "sip/dialstring/dialstring.hpp"
#include "sip/dialstring/substitute.hpp"
#include "sip/store/types.hpp"
#include "sip/transport/transport.hpp"

namespace sip::routing {

// A registered contact of an account and where requests for it go.
struct BindingTarget {
  std::string contact_uri;  // request-URI (the UA's contact)
  transport::Destination destination;
  std::string local;  // our "ip:port" the REGISTER came in on (for Via/Contact)
};

// What resolution looks up. Implemented by the call manager over the
// Directory and the Registrar.
class RouteSource {
 public:
  virtual ~RouteSource() = default;
  // Canonical served domain of a host or alias ("local"); nullopt when not served.
  virtual std::optional<std::string> canonical_domain(std::string_view host) = 0;
  // Exact account at a canonical domain, then the dotted fallback.
  virtual const store::SipAccount* find_account(std::string_view user, std::string_view domain) = 0;
  virtual std::vector<BindingTarget> bindings(const store::SipAccount& account) = 0;
  virtual const store::Provider* find_provider(store::Id owner, std::string_view name) = 0;
};

enum class LegKind : std::uint8_t { Binding, Loopback, Provider, Uri };
// "binding", "loopback", "provider", "uri"
const char* leg_kind_name(LegKind kind) noexcept;

struct ResolvedLeg {
  std::size_t stage = 0;
  LegKind kind = LegKind::Uri;
  std::string destination;  // as written (after substitution)
  std::string request_uri;
  std::string from_display;  // unquoted; empty = none
  std::string from_user;
  std::string from_host;
  std::string to;                    // To header value (no tag)
  std::vector<std::string> headers;  // "Name: value" (custom headers)
  dialstring::LegOptions options;
  // Binding and loop-back legs: the called account (valid while the
  // RouteSource's data is) and its "user@domain".
  const store::SipAccount* account = nullptr;
  std::string account_aor;
  // Binding legs: where the binding's requests go.
  std::optional<transport::Destination> route;
  std::string local;  // Binding legs: our address the phone registered to
  // Provider and URI legs: where to send (outbound proxy or the request-URI),
  // located by DNS (RFC 3263) by the caller.
  std::string next_hop;
  // Provider legs: digest credentials for one 401/407 retry.
  std::string auth_user;
  std::string auth_password;
  std::string provider;  // provider name
};

struct DroppedLeg {
  std::size_t stage = 0;
  std::string destination;
  std::string reason;  // "duplicate", "unknown account", "no bindings", "leg limit", ...
};

struct ResolveInput {
  const dialplan::Dial* dial = nullptr;   // text, custom headers, From override
  dialstring::SubstitutionContext subst;  // request variables
  store::Id owner = 0;                    // the customer whose providers count
  std::string caller_display;             // default From of local/URI legs
  std::string caller_user;
  std::string caller_host;
  // The account bound to the server-side leg ("user@domain"; the calling
  // account of Out calls, the called one of In calls): the From of loop-back
  // legs. Empty: the caller's From.
  std::string account_user;
  std::string account_host;
  // The dial plan now executing: an account whose in dial plan is this one
  // (same owner) rings its bindings instead of looping back (loop guard).
  std::string executing_plan;
  std::size_t max_legs = 20;
};

// The From header value of a leg without tag: ["display" ]<sip:user@host>.
std::string render_from(const ResolvedLeg& leg);

struct Resolution {
  std::vector<ResolvedLeg> legs;  // in stage order
  std::size_t stages = 0;
  std::vector<DroppedLeg> dropped;
  std::vector<std::string> notes;  // unknown options etc. (for a log line)
};

// Substitutes, parses and resolves. Errors: the dial string does not parse
// (bad_value/bad_uri/limit_reached with the parser's detail).
Result<Resolution> resolve(const ResolveInput& in, RouteSource& source);

}  // namespace sip::routing
