// SourceGuard::note_failure with its console events: a failed
// authentication (warn) and a source newly blocked (error). They belong to
// nobody (owner 0): only admins see them.
#include <string>

#include "sip/event/bus.hpp"
#include "sip/policy/source_guard.hpp"

namespace sip::policy {

SourceGuard::Outcome SourceGuard::note_failure(std::string_view ip, std::string_view method) {
  const Outcome o = count_failure(ip);
  if (events_ == nullptr || !events_->wants(event::Type::Security) || o == Outcome::Disabled)
    return o;
  event::Event e;
  e.type = event::Type::Security;
  e.remote = std::string(ip);
  e.method = std::string(method);
  if (o == Outcome::Blocked) {
    e.what = "blocked";
    e.level = event::Level::Error;
    e.message = "blocking source " + std::string(ip) + " for " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::seconds>(config_.block_for).count()) +
                " s after " + std::to_string(config_.max_failures) + " failed authentications";
  } else {
    e.what = "auth_failed";
    e.level = event::Level::Warn;
    e.message = "failed authentication from " + std::string(ip) +
                (method.empty() ? "" : " (" + std::string(method) + ")");
  }
  events_->emit(std::move(e));
  return o;
}

}  // namespace sip::policy
