// Answering a digest challenge (RFC 3261 22.2, 22.3): from the request that
// received a 401/407 and that response, build the request to send next, and
// keep the small state (AuthSession) that stops a client from looping when
// its credentials are rejected. No I/O.
// Thread-safety: an AuthSession belongs to the one thread driving its
// requests. Returned Messages are owned by the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/auth/digest.hpp"
#include "sip/auth/nonce_counter.hpp"
#include "sip/base/result.hpp"
#include "sip/message/header_id.hpp"
#include "sip/message/message.hpp"

namespace sip::ua {

// The header pair of a challenge status: 401 -> WWW-Authenticate answered by
// Authorization; 407 -> Proxy-Authenticate answered by Proxy-Authorization.
struct AuthHeaders {
  msg::HeaderId challenge;
  msg::HeaderId credentials;
};
std::optional<AuthHeaders> auth_headers_for(int status) noexcept;

// The retry of `request` answering `challenge`, taken from a `status` (401 or
// 407) response: a copy of `request` with one credentials header for
// challenge.realm (replacing earlier ones for that realm in place, else
// inserted before Content-Type / Content-Length), CSeq + 1 and a new branch
// (sip::make_branch) in the top Via; every other header line is copied byte
// for byte. nc comes from `counter`.
Result<msg::Message> build_auth_retry(const msg::Message& request, int status,
                                      const auth::Challenge& challenge,
                                      const auth::Credentials& creds, auth::NonceCounter& counter);
// Same, answering the best challenge of `response` that `creds` can answer
// (auth::select_challenge). Errc::not_found when there is none.
Result<msg::Message> build_auth_retry(const msg::Message& request, const msg::Message& response,
                                      const auth::Credentials& creds, auth::NonceCounter& counter);

// Why AuthSession::retry() refused.
enum class AuthFailure : std::uint8_t {
  None,
  NotChallenged,      // the response is not a 401/407 (Errc::bad_status)
  NoUsableChallenge,  // only unknown schemes/algorithms, or none we hold credentials for
                      // (Errc::not_found)
  Rejected,           // the realm challenged again after we answered it, not stale
                      // (Errc::bad_value)
  TooManyStale,       // more than kMaxStaleRetries stale=true in a row (Errc::out_of_range)
  BuildFailed,        // the request could not be rebuilt (error passed through)
};
std::string_view auth_failure_name(AuthFailure f) noexcept;  // "rejected"

// Retry policy of one client request chain: each realm's challenge is
// answered once; a new challenge for a realm already answered means the
// credentials were rejected, unless it says stale=true with a new nonce,
// which is retried without counting as a failure (at most kMaxStaleRetries
// times in a row). Call reset() when the chain ends (any final response other
// than 401/407), so that a later request (e.g. a re-REGISTER) starts afresh;
// nonce counts survive reset().
class AuthSession {
 public:
  static constexpr int kMaxStaleRetries = 3;

  // `request` is the request that received `response` (the previous retry,
  // if any). On success returns the request to send next.
  Result<msg::Message> retry(const msg::Message& request, const msg::Message& response,
                             const auth::Credentials& creds);

  AuthFailure failure() const noexcept { return failure_; }  // of the last retry()
  void reset() noexcept;
  auth::NonceCounter& nonce_counter() noexcept { return counter_; }

 private:
  struct Answered {
    msg::HeaderId header;  // the challenge header it came in
    std::string realm;
    std::string nonce;
  };
  Result<msg::Message> fail(AuthFailure f, const Error& e);

  std::vector<Answered> answered_;
  int stale_retries_ = 0;
  AuthFailure failure_ = AuthFailure::None;
  auth::NonceCounter counter_;
};

}  // namespace sip::ua
