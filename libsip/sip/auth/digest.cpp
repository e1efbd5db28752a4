// Digest algorithms, HA1, the response computation and the client's
// Authorization value. Challenge parsing is in challenge.cpp, the server
// side in verify.cpp.
#include "sip/auth/digest.hpp"

#include <utility>

#include "sip/base/ci.hpp"
#include "sip/base/random.hpp"

namespace sip::auth {
namespace {

struct AlgorithmInfo {
  Algorithm algorithm;
  std::string_view name;
  DigestHash hash;
  bool sess;
};

// The one table of algorithm names; indexed by the enum value.
constexpr std::array<AlgorithmInfo, 6> kAlgorithms = {{
    {Algorithm::Md5, "MD5", DigestHash::Md5, false},
    {Algorithm::Md5Sess, "MD5-sess", DigestHash::Md5, true},
    {Algorithm::Sha256, "SHA-256", DigestHash::Sha256, false},
    {Algorithm::Sha256Sess, "SHA-256-sess", DigestHash::Sha256, true},
    {Algorithm::Sha512_256, "SHA-512-256", DigestHash::Sha512_256, false},
    {Algorithm::Sha512_256Sess, "SHA-512-256-sess", DigestHash::Sha512_256, true},
}};

constexpr bool table_in_enum_order() {
  for (std::size_t i = 0; i < kAlgorithms.size(); ++i)
    if (static_cast<std::size_t>(kAlgorithms[i].algorithm) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "kAlgorithms must follow the order of enum Algorithm");

const AlgorithmInfo& info(Algorithm a) noexcept {
  return kAlgorithms[static_cast<std::size_t>(a)];
}

constexpr std::size_t kCnonceLength = 24;  // ~142 bits from [0-9a-zA-Z]

// Appends `s` as a quoted-string (RFC 3261 25.1: '"' and '\' escaped).
// False when `s` holds a control character, which no quoted-string may carry.
bool append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return true;
}

std::string nc_hex(std::uint32_t nc) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string s(8, '0');
  for (int i = 7; i >= 0; --i, nc >>= 4) s[static_cast<std::size_t>(i)] = kHex[nc & 0xf];
  return s;
}

}  // namespace

std::string_view algorithm_name(Algorithm a) noexcept {
  return info(a).name;
}

std::optional<Algorithm> parse_algorithm(std::string_view name) noexcept {
  for (const AlgorithmInfo& i : kAlgorithms)
    if (ci_equal(i.name, name)) return i.algorithm;
  return std::nullopt;
}

DigestHash algorithm_hash(Algorithm a) noexcept {
  return info(a).hash;
}
bool algorithm_is_sess(Algorithm a) noexcept {
  return info(a).sess;
}

std::string_view qop_name(Qop q) noexcept {
  switch (q) {
    case Qop::None: return "";
    case Qop::Auth: return "auth";
    case Qop::AuthInt: return "auth-int";
  }
  return "";
}

Result<std::string> ha1(DigestHash hash, std::string_view user, std::string_view realm,
                        std::string_view password) {
  return hash_hex(hash, {user, realm, password});
}

Result<std::string> compute_response(const DigestInput& in, std::string_view ha1_hex) {
  const DigestHash h = algorithm_hash(in.algorithm);
  if (ha1_hex.size() != hash_hex_length(h))
    return make_error(Errc::bad_value, 0, "HA1 length does not match the algorithm");
  std::string a1(ha1_hex);
  for (char& c : a1) c = ascii_lower(c);
  if (algorithm_is_sess(in.algorithm)) {
    auto sess = hash_hex(h, {a1, in.nonce, in.cnonce});
    if (!sess) return sess.error();
    a1 = std::move(sess).value();
  }
  std::string body_hash;
  if (in.qop == Qop::AuthInt) {
    auto b = hash_hex(h, {in.body});
    if (!b) return b.error();
    body_hash = std::move(b).value();
  }
  auto ha2 = in.qop == Qop::AuthInt ? hash_hex(h, {in.method, in.uri, body_hash})
                                    : hash_hex(h, {in.method, in.uri});
  if (!ha2) return ha2.error();
  if (in.qop == Qop::None) return hash_hex(h, {a1, in.nonce, *ha2});
  return hash_hex(h, {a1, in.nonce, in.nc, in.cnonce, qop_name(in.qop), *ha2});
}

bool Challenge::offers(Qop q) const noexcept {
  for (Qop o : qop_options)
    if (o == q) return true;
  return false;
}

Credentials Credentials::with_password(std::string user, std::string pass) {
  Credentials c;
  c.username = std::move(user);
  c.password = std::move(pass);
  return c;
}

Credentials Credentials::with_ha1(std::string user, std::string ha1_realm, DigestHash hash,
                                  std::string ha1_hex) {
  Credentials c;
  c.username = std::move(user);
  c.realm = std::move(ha1_realm);
  c.ha1[static_cast<std::size_t>(hash)] = std::move(ha1_hex);
  return c;
}

bool Credentials::can_answer(DigestHash hash, std::string_view for_realm) const noexcept {
  if (password) return true;
  return !ha1[static_cast<std::size_t>(hash)].empty() && (realm.empty() || realm == for_realm);
}

Result<std::string> Credentials::ha1_for(DigestHash hash, std::string_view for_realm) const {
  const std::string& stored = ha1[static_cast<std::size_t>(hash)];
  if (!stored.empty() && (realm.empty() || realm == for_realm)) return stored;
  if (password) return auth::ha1(hash, username, for_realm, *password);
  return make_error(Errc::not_found, 0, "no password or HA1 for this realm and algorithm");
}

Qop choose_qop(const Challenge& c) noexcept {
  if (c.offers(Qop::Auth)) return Qop::Auth;
  if (c.offers(Qop::AuthInt)) return Qop::AuthInt;
  return Qop::None;
}

Result<std::string> make_authorization(const Challenge& c, const Credentials& creds,
                                       const RequestInfo& req, std::uint32_t nc,
                                       std::string_view cnonce) {
  if (nc == 0) return make_error(Errc::out_of_range, 0, "nonce count starts at 1");
  auto a1 = creds.ha1_for(algorithm_hash(c.algorithm), c.realm);
  if (!a1) return a1.error();
  DigestInput in;
  in.algorithm = c.algorithm;
  in.qop = choose_qop(c);
  in.nonce = c.nonce;
  in.method = req.method;
  in.uri = req.uri;
  in.body = req.body;
  std::string cn;
  std::string count;
  if (in.qop != Qop::None) {
    cn = cnonce.empty() ? random_token(kCnonceLength) : std::string(cnonce);
    count = nc_hex(nc);
    in.cnonce = cn;
    in.nc = count;
  }
  auto response = compute_response(in, *a1);
  if (!response) return response.error();

  std::string out = "Digest username=";
  bool clean = append_quoted(out, creds.username);
  out += ", realm=";
  clean = append_quoted(out, c.realm) && clean;
  out += ", nonce=";
  clean = append_quoted(out, c.nonce) && clean;
  out += ", uri=";
  clean = append_quoted(out, req.uri) && clean;
  out += ", response=\"";
  out += *response;
  out += "\", algorithm=";
  out += algorithm_name(c.algorithm);
  if (in.qop != Qop::None) {
    out += ", cnonce=";
    clean = append_quoted(out, cn) && clean;
    out += ", nc=";
    out += count;
    out += ", qop=";
    out += qop_name(in.qop);
  }
  if (c.has_opaque) {
    out += ", opaque=";
    clean = append_quoted(out, c.opaque) && clean;
  }
  if (!clean) return make_error(Errc::bad_value, 0, "control character in a digest parameter");
  return out;
}

}  // namespace sip::auth
