// HTTP digest authentication as SIP uses it (RFC 3261 22.4, RFC 7616,
// RFC 8760): algorithms MD5, SHA-256 and SHA-512-256, each with "-sess";
// qop auth, auth-int and none (RFC 2069). Client side: parse challenges,
// pick the best, produce the Authorization value. Server side: parse an
// Authorization value and verify it against a stored HA1. No I/O.
// Thread-safety: pure functions over plain values. Every returned string is
// owned (quoted values are unescaped); nothing points into the input.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sip/auth/hash.hpp"
#include "sip/base/result.hpp"
#include "sip/message/header_id.hpp"
#include "sip/message/header_values.hpp"

namespace sip::msg {
class Message;
}

namespace sip::auth {

// ---- algorithms and qop

enum class Algorithm : std::uint8_t {
  Md5,
  Md5Sess,
  Sha256,
  Sha256Sess,
  Sha512_256,
  Sha512_256Sess
};

std::string_view algorithm_name(Algorithm a) noexcept;  // "SHA-512-256-sess"
// Case-insensitive; nullopt for anything else (e.g. "AKAv1-MD5").
std::optional<Algorithm> parse_algorithm(std::string_view name) noexcept;
DigestHash algorithm_hash(Algorithm a) noexcept;
bool algorithm_is_sess(Algorithm a) noexcept;

enum class Qop : std::uint8_t { None, Auth, AuthInt };
std::string_view qop_name(Qop q) noexcept;  // "", "auth", "auth-int"

// ---- HA1 and the response computation

// HA1 = H(user ":" realm ":" password) in lowercase hex: what a store keeps
// instead of the password (one per DigestHash it wants to accept).
Result<std::string> ha1(DigestHash hash, std::string_view user, std::string_view realm,
                        std::string_view password);
inline Result<std::string> ha1(Algorithm a, std::string_view user, std::string_view realm,
                               std::string_view password) {
  return ha1(algorithm_hash(a), user, realm, password);
}

// Everything besides HA1 that enters the response. Views must outlive the call.
struct DigestInput {
  Algorithm algorithm = Algorithm::Md5;
  Qop qop = Qop::None;
  std::string_view nonce;
  std::string_view cnonce;  // ignored for Qop::None
  std::string_view nc;      // 8 hex digits as sent; ignored for Qop::None
  std::string_view method;
  std::string_view uri;   // the digest-uri (the Request-URI in SIP)
  std::string_view body;  // only used for Qop::AuthInt
};

// The request-digest in lowercase hex. `ha1_hex` is the plain HA1 of the
// algorithm's hash; the "-sess" HA1 is derived here from it.
Result<std::string> compute_response(const DigestInput& in, std::string_view ha1_hex);

// ---- client side

// One WWW-Authenticate / Proxy-Authenticate challenge, unescaped.
struct Challenge {
  std::string realm;
  std::string nonce;
  std::string opaque;
  bool has_opaque = false;
  std::string domain;  // raw space-separated URI list; empty when absent
  Algorithm algorithm = Algorithm::Md5;
  std::vector<Qop> qop_options;  // known options in offered order; empty = RFC 2069
  bool stale = false;

  bool offers(Qop q) const noexcept;
};

// Errc::bad_value with a detail when the value is not a usable Digest
// challenge: other scheme, missing realm/nonce, unknown algorithm, a qop list
// with no known option, or a "-sess" algorithm without qop.
Result<Challenge> parse_challenge(const msg::AuthValue& value);

// Credentials of one account. Either a password, or precomputed HA1 values
// (lowercase hex, per hash) for `realm` (empty: any realm), or both (a stored
// HA1 wins over the password for its realm).
struct Credentials {
  std::string username;
  std::optional<std::string> password;
  std::string realm;                              // the realm the ha1 values belong to
  std::array<std::string, kDigestHashCount> ha1;  // indexed by DigestHash; empty = none

  static Credentials with_password(std::string user, std::string pass);
  static Credentials with_ha1(std::string user, std::string ha1_realm, DigestHash hash,
                              std::string ha1_hex);
  // True when a response for (hash, realm) can be computed.
  bool can_answer(DigestHash hash, std::string_view for_realm) const noexcept;
  // The plain HA1 for (hash, realm): stored or computed from the password.
  Result<std::string> ha1_for(DigestHash hash, std::string_view for_realm) const;
};

// Index of the best challenge: SHA-512-256 > SHA-256 > MD5 (the "-sess"
// variant ranks with its hash), first offered on ties; with `creds`, only
// challenges those credentials can answer. nullopt when none qualifies.
std::optional<std::size_t> best_challenge(std::span<const Challenge> offered,
                                          const Credentials* creds = nullptr) noexcept;
// Parses every `header` (WwwAuthenticate or ProxyAuthenticate) of `response`,
// skips the unusable ones, returns the best. Errc::not_found when none is left.
Result<Challenge> select_challenge(const msg::Message& response, msg::HeaderId header,
                                   const Credentials* creds = nullptr);

// The request being authorised. Views must outlive the call.
struct RequestInfo {
  std::string_view method;  // "REGISTER"
  std::string_view uri;     // digest-uri: the Request-URI as sent
  std::string_view body;    // for auth-int
};

// Client qop choice: "auth" when offered, else "auth-int", else none.
Qop choose_qop(const Challenge& c) noexcept;

// The Authorization / Proxy-Authorization value answering `c`:
//   Digest username="..", realm="..", nonce="..", uri="..", response="..",
//   algorithm=X, cnonce="..", nc=00000001, qop=auth, opaque=".."
// (RFC 7616 3.4: algorithm, nc and qop are tokens, the rest quoted; cnonce,
// nc and qop only with a qop; opaque only when challenged with one). `nc` is
// the caller's nonce count for c.nonce (1 for a new nonce, never 0). An empty
// `cnonce` means a fresh random one (sip::random_token).
Result<std::string> make_authorization(const Challenge& c, const Credentials& creds,
                                       const RequestInfo& req, std::uint32_t nc,
                                       std::string_view cnonce = {});

// ---- server side

// A parsed Authorization / Proxy-Authorization value, unescaped.
struct DigestAuthorization {
  std::string username;
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;
  std::string cnonce;
  std::string nc;  // 8 hex digits when qop is present
  std::string opaque;
  std::optional<Algorithm> algorithm;  // nullopt: named but unsupported (absent = MD5)
  Qop qop = Qop::None;
};

// Errc::bad_value when the scheme is not Digest, a required parameter
// (username, realm, nonce, uri, response; cnonce and nc with a qop) is
// missing, qop is unknown, nc is not 8 hex digits, or "-sess" comes without qop.
Result<DigestAuthorization> parse_authorization(const msg::AuthValue& value);

enum class DigestVerdict : std::uint8_t {
  Ok,
  BadResponse,           // wrong password (or tampered parameters)
  WrongRealm,            // realm differs from the one we challenged for
  UnsupportedAlgorithm,  // algorithm we do not implement
  Malformed,             // not a parseable Digest Authorization
};
std::string_view verdict_name(DigestVerdict v) noexcept;  // "bad_response"

// Checks the response against `ha1_hex`, the stored plain HA1 of the user
// for `realm` under algorithm_hash(*auth.algorithm). The response is compared
// in constant time. Does NOT check the nonce (see NonceService), the nonce
// count against replays, or that auth.uri matches the Request-URI: callers do.
DigestVerdict verify_digest(const DigestAuthorization& auth, std::string_view realm,
                            std::string_view method, std::string_view body,
                            std::string_view ha1_hex);
// Same from the raw header value (Malformed when it does not parse).
DigestVerdict verify_digest(const msg::AuthValue& value, std::string_view realm,
                            std::string_view method, std::string_view body,
                            std::string_view ha1_hex);

}  // namespace sip::auth
