// Known SIP header names, their compact forms (RFC 3261 7.3.3 and later
// RFCs) and whether their values are comma-separated lists that the indexer
// splits into one entry per value. Unknown headers are HeaderId::Other and
// are never split. Thread-safety: pure functions over constant tables.
#pragma once

#include <cstdint>
#include <string_view>

namespace sip::msg {

// X(id, canonical name, compact form or 0, comma-list)
#define SIP_HEADER_LIST(X)                                \
  X(Via, "Via", 'v', true)                                \
  X(From, "From", 'f', false)                             \
  X(To, "To", 't', false)                                 \
  X(CallId, "Call-ID", 'i', false)                        \
  X(CSeq, "CSeq", 0, false)                               \
  X(MaxForwards, "Max-Forwards", 0, false)                \
  X(Contact, "Contact", 'm', true)                        \
  X(Expires, "Expires", 0, false)                         \
  X(MinExpires, "Min-Expires", 0, false)                  \
  X(Route, "Route", 0, true)                              \
  X(RecordRoute, "Record-Route", 0, true)                 \
  X(Path, "Path", 0, true)                                \
  X(ServiceRoute, "Service-Route", 0, true)               \
  X(ContentType, "Content-Type", 'c', false)              \
  X(ContentLength, "Content-Length", 'l', false)          \
  X(ContentEncoding, "Content-Encoding", 'e', true)       \
  X(ContentDisposition, "Content-Disposition", 0, false)  \
  X(Accept, "Accept", 0, true)                            \
  X(AcceptEncoding, "Accept-Encoding", 0, true)           \
  X(AcceptLanguage, "Accept-Language", 0, true)           \
  X(Authorization, "Authorization", 0, false)             \
  X(ProxyAuthorization, "Proxy-Authorization", 0, false)  \
  X(WwwAuthenticate, "WWW-Authenticate", 0, false)        \
  X(ProxyAuthenticate, "Proxy-Authenticate", 0, false)    \
  X(AuthenticationInfo, "Authentication-Info", 0, false)  \
  X(Require, "Require", 0, true)                          \
  X(ProxyRequire, "Proxy-Require", 0, true)               \
  X(Supported, "Supported", 'k', true)                    \
  X(Unsupported, "Unsupported", 0, true)                  \
  X(Allow, "Allow", 0, true)                              \
  X(AllowEvents, "Allow-Events", 'u', true)               \
  X(Event, "Event", 'o', false)                           \
  X(SubscriptionState, "Subscription-State", 0, false)    \
  X(ReferTo, "Refer-To", 'r', false)                      \
  X(ReferredBy, "Referred-By", 'b', false)                \
  X(Replaces, "Replaces", 0, false)                       \
  X(Reason, "Reason", 0, true)                            \
  X(RetryAfter, "Retry-After", 0, false)                  \
  X(SessionExpires, "Session-Expires", 'x', false)        \
  X(MinSE, "Min-SE", 0, false)                            \
  X(Subject, "Subject", 's', false)                       \
  X(UserAgent, "User-Agent", 0, false)                    \
  X(Server, "Server", 0, false)                           \
  X(Date, "Date", 0, false)                               \
  X(Timestamp, "Timestamp", 0, false)                     \
  X(Warning, "Warning", 0, true)                          \
  X(Organization, "Organization", 0, false)               \
  X(Priority, "Priority", 0, false)                       \
  X(RSeq, "RSeq", 0, false)                               \
  X(RAck, "RAck", 0, false)                               \
  X(PAssertedIdentity, "P-Asserted-Identity", 0, true)    \
  X(PPreferredIdentity, "P-Preferred-Identity", 0, true)  \
  X(Privacy, "Privacy", 0, false)                         \
  X(AcceptContact, "Accept-Contact", 'a', true)           \
  X(RejectContact, "Reject-Contact", 'j', true)           \
  X(RequestDisposition, "Request-Disposition", 'd', true) \
  X(Identity, "Identity", 'y', false)                     \
  X(IdentityInfo, "Identity-Info", 'n', false)

enum class HeaderId : std::uint8_t {
#define SIP_HEADER_ENUM(id, name, compact, list) id,
  SIP_HEADER_LIST(SIP_HEADER_ENUM)
#undef SIP_HEADER_ENUM
      Other
};

// Case-insensitive lookup of a full or compact header name.
HeaderId header_id_from_name(std::string_view name) noexcept;
// Canonical full name ("Call-ID"); "" for Other.
std::string_view header_name(HeaderId id) noexcept;
// True when the header's values form a comma-separated list (RFC 3261 7.3.1).
bool header_is_list(HeaderId id) noexcept;

}  // namespace sip::msg
