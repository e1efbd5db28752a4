// Client side of digest: parsing WWW-Authenticate / Proxy-Authenticate
// challenges and choosing the one to answer.
#include <utility>

#include "sip/auth/digest.hpp"
#include "sip/base/ci.hpp"
#include "sip/base/text.hpp"
#include "sip/message/message.hpp"

namespace sip::auth {
namespace {

int hash_rank(DigestHash h) noexcept {
  switch (h) {
    case DigestHash::Md5: return 1;
    case DigestHash::Sha256: return 2;
    case DigestHash::Sha512_256: return 3;
  }
  return 0;
}

// Known options of a qop list ("auth,auth-int"), in order, without repeats.
std::vector<Qop> parse_qop_list(std::string_view list) {
  std::vector<Qop> out;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = trim_lws(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    Qop q = Qop::None;
    if (ci_equal(item, "auth"))
      q = Qop::Auth;
    else if (ci_equal(item, "auth-int"))
      q = Qop::AuthInt;
    else
      continue;
    bool seen = false;
    for (Qop o : out) seen |= o == q;
    if (!seen) out.push_back(q);
  }
  return out;
}

}  // namespace

Result<Challenge> parse_challenge(const msg::AuthValue& value) {
  if (!ci_equal(value.scheme, "Digest"))
    return make_error(Errc::bad_value, 0, "not a Digest challenge");
  const auto realm = value.param("realm");
  const auto nonce = value.param("nonce");
  if (!realm) return make_error(Errc::bad_value, 0, "challenge without realm");
  if (!nonce || nonce->empty()) return make_error(Errc::bad_value, 0, "challenge without nonce");
  Challenge c;
  c.realm = msg::unquote(*realm);
  c.nonce = msg::unquote(*nonce);
  if (const auto opaque = value.param("opaque")) {
    c.opaque = msg::unquote(*opaque);
    c.has_opaque = true;
  }
  if (const auto domain = value.param("domain")) c.domain = msg::unquote(*domain);
  if (const auto alg = value.param("algorithm")) {
    const auto a = parse_algorithm(*alg);
    if (!a) return make_error(Errc::bad_value, 0, "unsupported digest algorithm");
    c.algorithm = *a;
  }
  if (const auto qop = value.param("qop")) {
    c.qop_options = parse_qop_list(*qop);
    if (c.qop_options.empty()) return make_error(Errc::bad_value, 0, "no supported qop offered");
  }
  if (algorithm_is_sess(c.algorithm) && c.qop_options.empty())
    return make_error(Errc::bad_value, 0, "-sess algorithm offered without qop");
  if (const auto stale = value.param("stale")) c.stale = ci_equal(*stale, "true");
  return c;
}

std::optional<std::size_t> best_challenge(std::span<const Challenge> offered,
                                          const Credentials* creds) noexcept {
  std::optional<std::size_t> best;
  int best_rank = 0;
  for (std::size_t i = 0; i < offered.size(); ++i) {
    const DigestHash h = algorithm_hash(offered[i].algorithm);
    if (creds != nullptr && !creds->can_answer(h, offered[i].realm)) continue;
    const int rank = hash_rank(h);
    if (rank > best_rank) {
      best = i;
      best_rank = rank;
    }
  }
  return best;
}

Result<Challenge> select_challenge(const msg::Message& response, msg::HeaderId header,
                                   const Credentials* creds) {
  std::vector<Challenge> offered;
  response.for_each(header, [&](const msg::HeaderField& f) {
    const auto value = response.auth_at(f);
    if (!value) return;
    auto c = parse_challenge(*value);
    if (c) offered.push_back(std::move(c).value());
  });
  const auto best = best_challenge(offered, creds);
  if (!best) return make_error(Errc::not_found, 0, "no usable digest challenge");
  return std::move(offered[*best]);
}

}  // namespace sip::auth
