// The call manager's side of the outgoing call limits (call_limits.hpp):
// admission of Out calls and callbacks, the refusal's status, log line and
// console event.
#include <string>

#include "sip/b2bua/call_impl.hpp"
#include "sip/b2bua/events.hpp"
#include "sip/base/log.hpp"

namespace sip::b2bua {
namespace {

constexpr const char* kLog = "b2bua";

}  // namespace

int CallManager::Impl::admit_outgoing(store::Id account, const std::string& account_name,
                                      store::Id owner, const std::string& owner_name,
                                      std::string* reason) {
  const auto verdict = limiter_out.admit(account, owner, now_ms());
  if (verdict == CallLimiter::Verdict::Ok) return 0;
  ++stats.limited;
  const CallLimits& l = limiter_out.limits();
  int status = 486;
  switch (verdict) {
    case CallLimiter::Verdict::AccountBusy: *reason = "Too many calls for this account"; break;
    case CallLimiter::Verdict::CustomerBusy: *reason = "Too many calls for this customer"; break;
    case CallLimiter::Verdict::AccountTooFast:
      status = 403;
      *reason = "Call rate limit of this account";
      break;
    default:
      status = 403;
      *reason = "Call rate limit of this customer";
      break;
  }
  const std::string who = account_name.empty() ? owner_name : account_name;
  std::string limit;
  switch (verdict) {
    case CallLimiter::Verdict::AccountBusy:
      limit = std::to_string(l.account_calls) + " simultaneous calls";
      break;
    case CallLimiter::Verdict::CustomerBusy:
      limit = std::to_string(l.customer_calls) + " simultaneous calls";
      break;
    case CallLimiter::Verdict::AccountTooFast:
      limit = std::to_string(l.account_per_minute) + " calls per minute";
      break;
    default: limit = std::to_string(l.customer_per_minute) + " calls per minute"; break;
  }
  const std::string message = "outgoing call of " + who + " refused: limit of " + limit;
  // One log line per second at most (a flood must not fill the disk); the
  // console gets every refusal (its queues are bounded).
  const std::int64_t now = now_ms();
  if (now - limit_logged_at >= 1000) {
    log(LogLevel::Warn, kLog,
        owner_name + ": " + message +
            (limit_unlogged != 0 ? " (" + std::to_string(limit_unlogged) + " more refused before)"
                                 : std::string()));
    limit_logged_at = now;
    limit_unlogged = 0;
  } else {
    ++limit_unlogged;
  }
  emit_limit(svc.events, owner, owner_name, account_name, message);
  return status;
}

}  // namespace sip::b2bua
