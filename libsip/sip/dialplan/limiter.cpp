#include "sip/dialplan/limiter.hpp"

#include <utility>

#include "sip/base/ci.hpp"

namespace sip::dialplan {

ExecutionLimiter::Ticket::Ticket(Ticket&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)), owner_(std::move(other.owner_)) {}

ExecutionLimiter::Ticket& ExecutionLimiter::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    limiter_ = std::exchange(other.limiter_, nullptr);
    owner_ = std::move(other.owner_);
  }
  return *this;
}

ExecutionLimiter::Ticket::~Ticket() {
  release();
}

void ExecutionLimiter::Ticket::release() noexcept {
  if (limiter_ != nullptr) std::exchange(limiter_, nullptr)->release(owner_);
}

std::variant<ExecutionLimiter::Ticket, Done> ExecutionLimiter::acquire(std::string_view owner,
                                                                       std::size_t owner_max) {
  std::string key = to_lower(owner);
  auto it = per_owner_.find(key);
  const std::size_t mine = it == per_owner_.end() ? 0 : it->second;
  if (mine >= owner_max) {
    Done done;
    done.kind = DoneKind::Responded;
    done.status = 480;
    done.reason = "Dial plan execution exceeded maximum allowed";
    return done;
  }
  if (total_ >= global_max_) {
    Done done;
    done.kind = DoneKind::Responded;
    done.status = 500;
    done.reason = "Dial plan script engine was overloaded";
    return done;
  }
  ++per_owner_[key];
  ++total_;
  return Ticket(this, std::move(key));
}

std::size_t ExecutionLimiter::running(std::string_view owner) const {
  auto it = per_owner_.find(to_lower(owner));
  return it == per_owner_.end() ? 0 : it->second;
}

void ExecutionLimiter::release(const std::string& owner) noexcept {
  auto it = per_owner_.find(owner);
  if (it == per_owner_.end()) return;
  if (--it->second == 0) per_owner_.erase(it);
  if (total_ > 0) --total_;
}

}  // namespace sip::dialplan
