// Digest authentication of Out calls (reference 4.1): the caller's account
// answers a 407 Proxy-Authenticate challenge (realm = the account's domain),
// unless its IP ACL matches the source. Nonces are the registrar's stateless
// HMAC nonces; unknown users and wrong passwords cost the same work.
#include "sip/auth/digest.hpp"
#include "sip/b2bua/call_impl.hpp"
#include "sip/base/ci.hpp"
#include "sip/base/random.hpp"
#include "sip/message/builder.hpp"
#include "sip/policy/ip_acl.hpp"
#include "sip/uri/uri.hpp"

namespace sip::b2bua {

CallManager::Impl::AuthResult CallManager::Impl::authenticate(const transport::Inbound& in,
                                                              const store::SipAccount& account,
                                                              std::string_view realm) {
  const msg::Message& m = in.message;
  if (!account.ip_acl.empty() && policy::ip_acl_matches(account.ip_acl, in.origin.remote))
    return AuthResult::Ok;
  std::optional<auth::DigestAuthorization> cred;
  for (const msg::HeaderField& f : m.fields()) {
    if (f.id != msg::HeaderId::ProxyAuthorization) continue;
    const auto v = m.auth_at(f);
    if (!v || !ci_equal(v->scheme, "Digest")) continue;
    auto a = auth::parse_authorization(*v);
    if (!a || a->realm != realm || !a->algorithm) continue;
    const bool usable = (*a->algorithm == auth::Algorithm::Md5 && config.offer_md5) ||
                        (*a->algorithm == auth::Algorithm::Sha256 && config.offer_sha256);
    if (!usable) continue;
    cred = std::move(a).value();
    break;
  }
  if (!cred) return AuthResult::Challenge;
  const bool sha = *cred->algorithm == auth::Algorithm::Sha256;
  const std::string& stored = sha ? account.ha1_sha256 : account.ha1_md5;
  const bool genuine = !stored.empty() && ci_equal(cred->username, account.username);
  const std::string& ha1 = genuine ? stored : dummy_ha1[sha ? 1 : 0];
  const auto verdict = auth::verify_digest(*cred, realm, m.method_token(), m.body(), ha1);
  const auto digest_uri = uri::parse_uri(cred->uri);
  if (!genuine || verdict != auth::DigestVerdict::Ok || !digest_uri || !digest_uri->is_sip())
    return AuthResult::Fail;
  if (svc.nonces->verify(cred->nonce, realm) != auth::NonceStatus::Valid) return AuthResult::Stale;
  return AuthResult::Ok;
}

void CallManager::Impl::challenge(txn::ServerTransaction& txn, const msg::Message& m,
                                  std::string_view realm, bool stale) {
  const auto nonce = svc.nonces->issue(realm);
  if (!nonce) {
    (void)txn.respond(500, "Nonce unavailable");
    return;
  }
  ++stats.challenged;
  auto b = msg::make_response(m, 407, "Proxy Authentication Required", make_tag());
  const auto add = [&](std::string_view algorithm) {
    std::string v = "Digest realm=\"";
    v.append(realm).append("\", nonce=\"").append(*nonce).append("\", algorithm=");
    v.append(algorithm).append(", qop=\"auth\"");
    if (stale) v.append(", stale=true");
    b.header("Proxy-Authenticate", v);
  };
  if (config.offer_sha256) add("SHA-256");
  if (config.offer_md5) add("MD5");
  b.header("Server", config.server_name);
  if (auto r = b.build()) {
    (void)txn.respond(std::move(*r));
  } else {
    (void)txn.respond(500, "Cannot build challenge");
  }
}

}  // namespace sip::b2bua
