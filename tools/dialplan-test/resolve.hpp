// Leg resolution for dialplan-test (behaviour reference 2.2) over the
// environment file, and the Host the executions query (IsMine, bindings...).
// Internal to dialplan-test. Thread-safety: one thread.
#pragma once

#include <string>
#include <vector>

#include "inputs.hpp"
#include "sip/dialplan/action.hpp"
#include "sip/dialplan/host.hpp"
#include "sip/dialstring/dialstring.hpp"
#include "sip/dialstring/substitute.hpp"

namespace dialplan_test {

class EnvHost final : public sip::dialplan::Host {
 public:
  EnvHost(const Environment& env, std::int64_t now) : env_(env), now_(now) {}
  void set_now(std::int64_t now) { now_ = now; }

  const EnvAccount* find_account(std::string_view user, std::string_view domain);

  bool is_available(std::string_view user, std::string_view domain) override;
  bool is_mine(std::string_view owner, std::string_view user, std::string_view domain) override;
  bool account_exists(std::string_view user, std::string_view domain) override;
  std::optional<std::vector<sip::dialplan::BindingView>> bindings(std::string_view owner,
                                                                  std::string_view user,
                                                                  std::string_view domain) override;
  std::optional<std::string> canonical_domain(std::string_view host) override;
  std::size_t current_call_count(std::string_view) override { return 0; }
  std::vector<sip::dialplan::AccountView> accounts(std::string_view owner) override;

 private:
  const Environment& env_;
  std::int64_t now_;
};

struct ResolvedLeg {
  std::size_t stage = 0;
  std::string destination;  // as written in the dial string (after substitution)
  std::string kind;         // "binding", "loopback", "provider", "uri"
  std::string request_uri;
  std::string from;
  std::string to;
  std::string account;   // binding/loopback: "user@domain"
  std::string provider;  // provider legs
  std::vector<std::string> headers;
  sip::dialstring::LegOptions options;
  std::string raw_options;
};

struct DroppedLeg {
  std::size_t stage = 0;
  std::string destination;
  std::string reason;
};

struct ResolveContext {
  const Environment& env;
  EnvHost& host;
  const sip::dialplan::CallContext& call;
  const sip::dialplan::Dial& dial;
  const sip::dialstring::SubstitutionContext& subst;
};

// Resolves every leg of every stage; duplicates (same request-URI in the same
// or an earlier stage) and unresolvable legs go to `dropped` with a reason.
void resolve_legs(const ResolveContext& rc, const sip::dialstring::Parsed& parsed,
                  std::vector<ResolvedLeg>& legs, std::vector<DroppedLeg>& dropped);

}  // namespace dialplan_test
