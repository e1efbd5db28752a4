// REGISTER intake: source blocking, To/domain/Contact checks, the digest
// gate (challenge, verify, stale nonces, replayed nonce counts) and the
// responses that do not change bindings. Unknown users, wrong passwords and
// disabled accounts look the same on the wire and cost the same work.
#include <algorithm>
#include <optional>

#include "sip/auth/digest.hpp"
#include "sip/base/ci.hpp"
#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/base/text.hpp"
#include "sip/policy/ip_acl.hpp"
#include "sip/registrar/registrar_impl.hpp"
#include "sip/uri/escape.hpp"

namespace sip::registrar {
namespace {

constexpr std::string_view kLog = "registrar";

// Syntax of the Contact and Expires headers; a reason phrase or nullptr.
const char* check_contacts(const msg::Message& m) {
  bool star = false;
  std::size_t n = 0;
  for (const msg::HeaderField& f : m.fields()) {
    if (f.id != msg::HeaderId::Contact) continue;
    const auto c = m.contact_at(f);
    if (!c) return "Invalid Contact";
    ++n;
    if (c->star) {
      star = true;
      continue;
    }
    const uri::UriView& u = c->addr.uri;
    if (!u.is_sip()) return "Unsupported Contact URI scheme";
    // RFC 3261 20.10: a URI with headers (or parameters) must be in <>; an
    // addr-spec with '?' is not a valid Contact (RFC 4475 regbadct).
    if (!c->addr.bracketed && !u.headers.empty()) return "Contact URI with headers needs <>";
    if (const auto q = c->q(); q && !parse_qvalue(*q)) return "Invalid q in Contact";
  }
  if (m.first(msg::HeaderId::Expires) != nullptr && !m.expires()) return "Invalid Expires";
  if (star && n > 1) return "Contact * must be alone";
  if (star) {
    const auto e = m.expires();
    if (!e || *e != 0) return "Contact * requires Expires: 0";
  }
  return nullptr;
}

}  // namespace

void Registrar::Impl::note_failure(std::string_view ip) {
  if (guard != nullptr &&
      guard->note_failure(ip, "REGISTER") == policy::SourceGuard::Outcome::Blocked)
    log(LogLevel::Warn, kLog,
        "blocking source " + std::string(ip) + " after failed authentications");
}

msg::MessageBuilder Registrar::Impl::response(const Request& r, int status,
                                              std::string_view reason) {
  auto b = msg::make_response(r.in.message, status, reason, make_tag());
  b.header("Server", config.server_name);
  return b;
}

void Registrar::Impl::send(Request& r, const msg::MessageBuilder& b) {
  auto built = b.build();
  if (!built) {
    log(LogLevel::Error, kLog, "could not build a response: " + built.error().to_string());
    (void)r.txn.respond(500);
    return;
  }
  emit_register(r, built->status(), built->reason());
  (void)r.txn.respond(std::move(built).value());
}

void Registrar::Impl::reply(Request& r, int status, std::string_view reason) {
  if (status >= 300) ++stats.rejected;
  send(r, response(r, status, reason));
}

void Registrar::Impl::challenge(Request& r, const store::SipAccount* account, bool stale) {
  const auto nonce = nonces.issue(r.realm);
  if (!nonce) return reply(r, 500, "Nonce unavailable");
  ++stats.challenged;
  if (stale) ++stats.stale;
  auto b = response(r, 401, "Unauthorized");
  // One challenge per algorithm, in the configured order (phones that read
  // only the first one must find one they know there).
  for (const auth::Algorithm a :
       algorithms_for(account, r.in.message.value(msg::HeaderId::UserAgent))) {
    std::string v = "Digest realm=\"";
    v.append(r.realm).append("\", nonce=\"").append(*nonce).append("\", algorithm=");
    v.append(auth::algorithm_name(a)).append(", qop=\"auth\"");
    if (stale) v.append(", stale=true");
    b.header("WWW-Authenticate", v);
  }
  send(r, b);
}

bool Registrar::Impl::replayed(store::Id account, std::string_view nonce, std::string_view nc) {
  return accounts[account].nonce_uses.replayed(nonce, nc);
}

Registrar::Impl::AuthOutcome Registrar::Impl::authenticate(const Request& r,
                                                           const store::SipAccount* account,
                                                           std::string_view to_user) {
  const msg::Message& m = r.in.message;
  if (account != nullptr && !account->ip_acl.empty() &&
      policy::ip_acl_matches(account->ip_acl, r.in.origin.remote))
    return AuthOutcome::Ok;

  // The first Digest credentials for our realm with an algorithm we offer to
  // this account and phone; other schemes, realms, algorithms and malformed
  // values are ignored (RFC 4475 regaut01): the request is challenged again.
  const auth::AlgorithmList offered = algorithms_for(account, m.value(msg::HeaderId::UserAgent));
  std::optional<auth::DigestAuthorization> cred;
  for (const msg::HeaderField& f : m.fields()) {
    if (f.id != msg::HeaderId::Authorization) continue;
    const auto v = m.auth_at(f);
    if (!v || !ci_equal(v->scheme, "Digest")) continue;
    auto a = auth::parse_authorization(*v);
    if (!a || a->realm != r.realm || !a->algorithm) continue;
    if (std::find(offered.begin(), offered.end(), *a->algorithm) == offered.end()) continue;
    cred = std::move(a).value();
    break;
  }
  if (!cred) return AuthOutcome::Challenge;

  // Unknown users (and accounts without a secret for this algorithm) are
  // checked against a random HA1, so the work and the answer are the same.
  const bool sha = *cred->algorithm == auth::Algorithm::Sha256;
  const std::string* ha1 = nullptr;
  bool genuine = account != nullptr && ci_equal(cred->username, to_user);
  if (genuine) {
    ha1 = sha ? &account->ha1_sha256 : &account->ha1_md5;
    genuine = !ha1->empty();
  }
  if (!genuine) ha1 = &dummy_ha1[sha ? 1 : 0];
  const auth::DigestVerdict verdict =
      auth::verify_digest(*cred, r.realm, m.method_token(), m.body(), *ha1);
  const auto digest_uri = uri::parse_uri(cred->uri);
  const auto request_uri = m.request_uri();
  const bool uri_ok =
      digest_uri && request_uri &&
      (!config.strict_digest_uri || uri::uri_equal(*digest_uri, *request_uri)) &&
      (digest_uri->scheme == uri::Scheme::Sip || digest_uri->scheme == uri::Scheme::Sips);
  if (!genuine || verdict != auth::DigestVerdict::Ok || !uri_ok) return AuthOutcome::Fail;

  // The password is right: an old (or pre-restart) nonce or a reused nonce
  // count only asks for a fresh nonce.
  if (nonces.verify(cred->nonce, r.realm) != auth::NonceStatus::Valid) return AuthOutcome::Stale;
  if (replayed(account->id, cred->nonce, cred->qop == auth::Qop::None ? "" : cred->nc))
    return AuthOutcome::Stale;
  return AuthOutcome::Ok;
}

void Registrar::Impl::on_register(txn::ServerTransaction txn, transport::Inbound&& in) {
  ++stats.registers;
  Request r{std::move(txn), std::move(in), {}, 0};
  const msg::Message& m = r.in.message;
  const std::string ip = r.in.origin.remote.ip_string();

  const auto to = m.to();
  if (!to) return reply(r, 400, "Missing or invalid To");
  if (!to->uri.is_sip() || !to->uri.has_user || to->uri.user.empty())
    return reply(r, 400, "To needs a SIP user");
  const std::string user = uri::unescape(to->uri.user);
  // The AOR's domain is the To host; phones that put the server's address
  // there are served by the Request-URI's domain.
  auto domain = directory.canonical_domain(to->uri.host);
  if (!domain) {
    if (const auto ruri = m.request_uri(); ruri && ruri->is_sip())
      domain = directory.canonical_domain(ruri->host);
  }
  if (!domain) return reply(r, 403, "Domain not serviced");
  r.realm = std::string(*domain);
  if (const char* bad = check_contacts(m)) return reply(r, 400, bad);

  const store::SipAccount* account = directory.find(user, r.realm);
  switch (authenticate(r, account, user)) {
    case AuthOutcome::Challenge: return challenge(r, account, false);
    case AuthOutcome::Stale: return challenge(r, account, true);
    case AuthOutcome::Fail:
      ++stats.auth_failures;
      send(r, response(r, 403, "Forbidden"));
      note_failure(ip);
      return;
    case AuthOutcome::Ok: break;
  }
  // Authenticated (or by IP ACL): a disabled account gets the same 403.
  if (account->disabled) return reply(r, 403, "Forbidden");
  r.account_id = account->id;
  submit(std::move(r));
}

}  // namespace sip::registrar
