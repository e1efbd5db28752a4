// Digest authentication of Out calls (docs/architecture.md): the caller's account
// answers a 407 Proxy-Authenticate challenge (realm = the account's domain),
// unless its IP ACL matches the source. Nonces are the registrar's stateless
// HMAC nonces; unknown users and wrong passwords cost the same work. The
// algorithms, their order and which are accepted follow the registrar's
// policy for the account and User-Agent (Registrar::digest_algorithms), so
// a phone that can register can also call.
#include <algorithm>

#include "sip/auth/digest.hpp"
#include "sip/b2bua/call_impl.hpp"
#include "sip/base/ci.hpp"
#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/message/builder.hpp"
#include "sip/policy/ip_acl.hpp"
#include "sip/policy/source_guard.hpp"
#include "sip/registrar/registrar.hpp"
#include "sip/uri/escape.hpp"
#include "sip/uri/uri.hpp"

namespace sip::b2bua {

CallManager::Impl::AuthResult CallManager::Impl::authenticate(const transport::Inbound& in,
                                                              const store::SipAccount& account,
                                                              std::string_view realm) {
  const msg::Message& m = in.message;
  if (!account.ip_acl.empty() && policy::ip_acl_matches(account.ip_acl, in.origin.remote))
    return AuthResult::Ok;
  const auth::AlgorithmList offered =
      svc.registrar->digest_algorithms(&account, m.value(msg::HeaderId::UserAgent));
  std::optional<auth::DigestAuthorization> cred;
  for (const msg::HeaderField& f : m.fields()) {
    if (f.id != msg::HeaderId::ProxyAuthorization) continue;
    const auto v = m.auth_at(f);
    if (!v || !ci_equal(v->scheme, "Digest")) continue;
    auto a = auth::parse_authorization(*v);
    if (!a || a->realm != realm || !a->algorithm) continue;
    if (std::find(offered.begin(), offered.end(), *a->algorithm) == offered.end()) continue;
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
  // A replayed answer (same nonce, nc not higher) only gets a fresh nonce,
  // as the registrar does: the password was right, the request is not new.
  if (invite_nonce_uses[account.id].replayed(cred->nonce,
                                             cred->qop == auth::Qop::None ? "" : cred->nc))
    return AuthResult::Stale;
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
  // The caller's account (on_invite found it by From before challenging).
  const store::SipAccount* account = nullptr;
  if (const auto from = m.from(); from && from->uri.is_sip())
    account = svc.directory->find(uri::unescape(from->uri.user), realm);
  for (const auth::Algorithm a :
       svc.registrar->digest_algorithms(account, m.value(msg::HeaderId::UserAgent))) {
    std::string v = "Digest realm=\"";
    v.append(realm).append("\", nonce=\"").append(*nonce).append("\", algorithm=");
    v.append(auth::algorithm_name(a)).append(", qop=\"auth\"");
    if (stale) v.append(", stale=true");
    b.header("Proxy-Authenticate", v);
  }
  b.header("Server", config.server_name);
  if (auto r = b.build()) {
    (void)txn.respond(std::move(*r));
  } else {
    (void)txn.respond(500, "Cannot build challenge");
  }
}

void CallManager::Impl::note_auth_failure(std::string_view ip) {
  if (svc.guard == nullptr) return;
  if (svc.guard->note_failure(ip, "INVITE") == policy::SourceGuard::Outcome::Blocked)
    log(LogLevel::Warn, "b2bua",
        "blocking source " + std::string(ip) + " after failed authentications");
}

}  // namespace sip::b2bua
