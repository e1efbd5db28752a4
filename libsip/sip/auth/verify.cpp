// Server side of digest: parsing Authorization / Proxy-Authorization values
// and verifying their response against a stored HA1.
#include "sip/auth/digest.hpp"
#include "sip/base/ci.hpp"
#include "sip/base/text.hpp"

namespace sip::auth {
namespace {

bool is_nc(std::string_view s) noexcept {
  if (s.size() != 8) return false;
  for (char c : s)
    if (!is_hex(c)) return false;
  return true;
}

}  // namespace

std::string_view verdict_name(DigestVerdict v) noexcept {
  switch (v) {
    case DigestVerdict::Ok: return "ok";
    case DigestVerdict::BadResponse: return "bad_response";
    case DigestVerdict::WrongRealm: return "wrong_realm";
    case DigestVerdict::UnsupportedAlgorithm: return "unsupported_algorithm";
    case DigestVerdict::Malformed: return "malformed";
  }
  return "unknown";
}

Result<DigestAuthorization> parse_authorization(const msg::AuthValue& value) {
  if (!ci_equal(value.scheme, "Digest"))
    return make_error(Errc::bad_value, 0, "not Digest credentials");
  // One pass over the parameters; the first of a repeated name counts.
  enum Field : std::size_t {
    kUsername,
    kRealm,
    kNonce,
    kUri,
    kResponse,
    kAlgorithm,
    kQop,
    kCnonce,
    kNc,
    kOpaque,
    kFields
  };
  static constexpr std::string_view kNames[kFields] = {"username", "realm",     "nonce", "uri",
                                                       "response", "algorithm", "qop",   "cnonce",
                                                       "nc",       "opaque"};
  std::optional<std::string_view> found[kFields];
  std::string_view rest = value.params, name, v;
  while (msg::next_auth_param(rest, name, v)) {
    for (std::size_t i = 0; i < kFields; ++i) {
      if (!found[i] && ci_equal(name, kNames[i])) {
        found[i] = v;
        break;
      }
    }
  }
  DigestAuthorization a;
  std::string* const required[] = {&a.username, &a.realm, &a.nonce, &a.uri, &a.response};
  for (std::size_t i = kUsername; i <= kResponse; ++i) {
    if (!found[i])
      return make_error(Errc::bad_value, 0, "digest credentials miss a required parameter");
    *required[i] = msg::unquote(*found[i]);
  }
  a.algorithm = Algorithm::Md5;
  if (found[kAlgorithm]) a.algorithm = parse_algorithm(*found[kAlgorithm]);
  if (const auto& qop = found[kQop]) {
    if (ci_equal(*qop, "auth"))
      a.qop = Qop::Auth;
    else if (ci_equal(*qop, "auth-int"))
      a.qop = Qop::AuthInt;
    else
      return make_error(Errc::bad_value, 0, "unknown qop in digest credentials");
    const auto& cnonce = found[kCnonce];
    const auto& nc = found[kNc];
    if (!cnonce || cnonce->empty() || !nc || !is_nc(*nc))
      return make_error(Errc::bad_value, 0, "qop requires cnonce and an 8-hex-digit nc");
    a.cnonce = msg::unquote(*cnonce);
    a.nc = std::string(*nc);
  }
  if (a.algorithm && algorithm_is_sess(*a.algorithm) && a.qop == Qop::None)
    return make_error(Errc::bad_value, 0, "-sess algorithm without qop");
  if (found[kOpaque]) a.opaque = msg::unquote(*found[kOpaque]);
  return a;
}

DigestVerdict verify_digest(const DigestAuthorization& auth, std::string_view realm,
                            std::string_view method, std::string_view body,
                            std::string_view ha1_hex) {
  if (auth.realm != realm) return DigestVerdict::WrongRealm;
  if (!auth.algorithm) return DigestVerdict::UnsupportedAlgorithm;
  DigestInput in;
  in.algorithm = *auth.algorithm;
  in.qop = auth.qop;
  in.nonce = auth.nonce;
  in.cnonce = auth.cnonce;
  in.nc = auth.nc;
  in.method = method;
  in.uri = auth.uri;
  in.body = body;
  const auto expected = compute_response(in, ha1_hex);
  if (!expected) return DigestVerdict::BadResponse;
  std::string got = auth.response;
  for (char& c : got) c = ascii_lower(c);
  return constant_time_equal(got, *expected) ? DigestVerdict::Ok : DigestVerdict::BadResponse;
}

DigestVerdict verify_digest(const msg::AuthValue& value, std::string_view realm,
                            std::string_view method, std::string_view body,
                            std::string_view ha1_hex) {
  const auto auth = parse_authorization(value);
  if (!auth) return DigestVerdict::Malformed;
  return verify_digest(*auth, realm, method, body, ha1_hex);
}

}  // namespace sip::auth
