// ExecutionLimiter: caps concurrent dial plan executions per customer and
// server-wide, as SIPSorcery did (5 per customer, 50 in all by default). A granted Ticket releases
// its slot when destroyed. Refusals carry the response the caller gets: 480 "Dial plan execution
// exceeded maximum allowed" (customer cap) or 500 "Dial plan script engine was overloaded" (global
// cap). Thread-safety: one thread (the core thread); the limiter must outlive its tickets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>

#include "sip/dialplan/action.hpp"

namespace sip::dialplan {

class ExecutionLimiter {
 public:
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept;
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();
    bool valid() const noexcept { return limiter_ != nullptr; }
    void release() noexcept;

   private:
    friend class ExecutionLimiter;
    Ticket(ExecutionLimiter* limiter, std::string owner)
        : limiter_(limiter), owner_(std::move(owner)) {}
    ExecutionLimiter* limiter_ = nullptr;
    std::string owner_;
  };

  explicit ExecutionLimiter(std::size_t global_max = 50) : global_max_(global_max) {}

  // A ticket, or the Done to send when a cap is reached. `owner_max` is the
  // customer's MaxExecutionCount (reference default 5).
  std::variant<Ticket, Done> acquire(std::string_view owner, std::size_t owner_max = 5);

  std::size_t running() const noexcept { return total_; }
  std::size_t running(std::string_view owner) const;
  void set_global_max(std::size_t max) noexcept { global_max_ = max; }

 private:
  void release(const std::string& owner) noexcept;

  std::size_t global_max_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> per_owner_;  // lower-case owner -> running
};

}  // namespace sip::dialplan
