#include "sip/ua/auth_retry.hpp"

#include <utility>

#include "sip/base/ci.hpp"
#include "sip/base/random.hpp"
#include "sip/message/editor.hpp"

namespace sip::ua {
namespace {

constexpr std::uint32_t kMaxCSeq = 0x7fffffff;  // RFC 3261 8.1.1.5: below 2^31

// `via_value` with its branch replaced by `branch` (or ";branch=" appended).
// `old_branch` is a view into `via_value` or empty.
std::string with_branch(std::string_view via_value, std::string_view old_branch,
                        std::string_view branch) {
  std::string out;
  const char* begin = via_value.data();
  const char* end = begin + via_value.size();
  if (!old_branch.empty() && old_branch.data() >= begin &&
      old_branch.data() + old_branch.size() <= end) {
    const auto off = static_cast<std::size_t>(old_branch.data() - begin);
    out.append(via_value.substr(0, off));
    out.append(branch);
    out.append(via_value.substr(off + old_branch.size()));
  } else {
    out.append(via_value);
    out.append(";branch=");
    out.append(branch);
  }
  return out;
}

bool realm_is(const msg::AuthValue& v, std::string_view realm) {
  if (!ci_equal(v.scheme, "Digest")) return false;
  const auto r = v.param("realm");
  return r && msg::unquote(*r) == realm;
}

}  // namespace

std::optional<AuthHeaders> auth_headers_for(int status) noexcept {
  if (status == 401)
    return AuthHeaders{msg::HeaderId::WwwAuthenticate, msg::HeaderId::Authorization};
  if (status == 407)
    return AuthHeaders{msg::HeaderId::ProxyAuthenticate, msg::HeaderId::ProxyAuthorization};
  return std::nullopt;
}

Result<msg::Message> build_auth_retry(const msg::Message& request, int status,
                                      const auth::Challenge& challenge,
                                      const auth::Credentials& creds, auth::NonceCounter& counter) {
  const auto headers = auth_headers_for(status);
  if (!headers) return make_error(Errc::bad_status, 0, "response is not a 401 or 407");
  if (!request.is_request()) return make_error(Errc::bad_value, 0, "only requests can be retried");
  const auto cseq = request.cseq();
  if (!cseq) return cseq.error();
  if (cseq->number >= kMaxCSeq - 1) return make_error(Errc::out_of_range, 0, "CSeq exhausted");
  const msg::HeaderField* via_field = request.first(msg::HeaderId::Via);
  if (via_field == nullptr) return make_error(Errc::not_found, 0, "request has no Via");
  const auto via = request.via_at(*via_field);
  if (!via) return via.error();

  const auth::RequestInfo info{request.method_token(), request.request_uri_text(), request.body()};
  auto value = auth::make_authorization(challenge, creds, info, counter.next(challenge.nonce));
  if (!value) return value.error();

  msg::MessageEditor editor(request);
  bool placed = false;
  for (const msg::HeaderField& f : request.fields()) {
    if (f.id != headers->credentials) continue;
    const auto existing = request.auth_at(f);
    if (!existing || !realm_is(*existing, challenge.realm)) continue;
    if (placed) {
      editor.remove(f);
    } else {
      editor.replace(f, *value);
      placed = true;
    }
  }
  if (!placed) {
    // New credentials go before the body headers, else at the end.
    const msg::HeaderField* body_header = nullptr;
    for (const msg::HeaderField& f : request.fields()) {
      if (f.id == msg::HeaderId::ContentType || f.id == msg::HeaderId::ContentLength) {
        body_header = &f;
        break;
      }
    }
    const std::string_view name = msg::header_name(headers->credentials);
    if (body_header != nullptr)
      editor.insert_before(*body_header, name, *value);
    else
      editor.append(name, *value);
  }

  std::string new_cseq = std::to_string(cseq->number + 1);
  new_cseq += ' ';
  new_cseq.append(cseq->method_token);
  editor.replace(*request.first(msg::HeaderId::CSeq), new_cseq);
  const std::string branch = make_branch();
  editor.replace(*via_field, with_branch(request.text(via_field->value),
                                         via->param("branch").value_or(""), branch));
  return editor.to_message();
}

Result<msg::Message> build_auth_retry(const msg::Message& request, const msg::Message& response,
                                      const auth::Credentials& creds, auth::NonceCounter& counter) {
  const auto headers = auth_headers_for(response.is_response() ? response.status() : 0);
  if (!headers) return make_error(Errc::bad_status, 0, "response is not a 401 or 407");
  auto challenge = auth::select_challenge(response, headers->challenge, &creds);
  if (!challenge) return challenge.error();
  return build_auth_retry(request, response.status(), *challenge, creds, counter);
}

std::string_view auth_failure_name(AuthFailure f) noexcept {
  switch (f) {
    case AuthFailure::None: return "none";
    case AuthFailure::NotChallenged: return "not_challenged";
    case AuthFailure::NoUsableChallenge: return "no_usable_challenge";
    case AuthFailure::Rejected: return "rejected";
    case AuthFailure::TooManyStale: return "too_many_stale";
    case AuthFailure::BuildFailed: return "build_failed";
  }
  return "unknown";
}

void AuthSession::reset() noexcept {
  answered_.clear();
  stale_retries_ = 0;
  failure_ = AuthFailure::None;
}

Result<msg::Message> AuthSession::fail(AuthFailure f, const Error& e) {
  failure_ = f;
  return e;
}

Result<msg::Message> AuthSession::retry(const msg::Message& request, const msg::Message& response,
                                        const auth::Credentials& creds) {
  const auto headers = auth_headers_for(response.is_response() ? response.status() : 0);
  if (!headers)
    return fail(AuthFailure::NotChallenged,
                make_error(Errc::bad_status, 0, "response is not a 401 or 407"));
  auto challenge = auth::select_challenge(response, headers->challenge, &creds);
  if (!challenge)
    return fail(AuthFailure::NoUsableChallenge,
                make_error(Errc::not_found, 0,
                           "no usable digest challenge (unsupported scheme or algorithm)"));

  Answered* seen = nullptr;
  for (Answered& a : answered_)
    if (a.header == headers->challenge && a.realm == challenge->realm) seen = &a;
  if (seen != nullptr) {
    if (!challenge->stale || challenge->nonce == seen->nonce)
      return fail(AuthFailure::Rejected,
                  make_error(Errc::bad_value, 0,
                             "credentials rejected: the realm challenged again after our answer"));
    if (stale_retries_ >= kMaxStaleRetries)
      return fail(AuthFailure::TooManyStale,
                  make_error(Errc::out_of_range, 0, "too many stale nonces in a row"));
  }

  auto next = build_auth_retry(request, response.status(), *challenge, creds, counter_);
  if (!next) return fail(AuthFailure::BuildFailed, next.error());
  if (seen != nullptr) {
    ++stale_retries_;
    seen->nonce = challenge->nonce;
  } else {
    stale_retries_ = 0;
    answered_.push_back({headers->challenge, challenge->realm, challenge->nonce});
  }
  failure_ = AuthFailure::None;
  return next;
}

}  // namespace sip::ua
