// Forker: runs the legs of one Dial (docs/dialling.md): stages in order, the
// legs of a stage in parallel, `dt` delays, one ring timeout for the whole
// Dial, first 2xx wins, and the failure the script sees. It decides; a
// LegPort acts (the daemon sends INVITEs through the transaction layer,
// dialplan-test answers from its outcome table in simulated time).
// Thread-safety: one thread, the one that owns the TimerService.
// Re-entrancy: the `done` callback runs last in whatever call ended the Dial
// and may destroy the Forker; callers must not touch it after a report
// (leg_failed/leg_answered/timer) that may have finished it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/timer.hpp"
#include "sip/dialplan/action.hpp"
#include "sip/routing/router.hpp"

namespace sip::dialer {

// How a leg ended without answering.
struct LegEnd {
  int status = 0;        // final status (3xx-6xx), or a local failure (408, 503 ...)
  std::string reason;    // empty -> the standard phrase
  std::string contact;   // 3xx: the Contact URI
  std::string response;  // 3xx: the whole response text (sys.RedirectResponse)
};

// The driver's side of the legs. Indexes refer to Forker::legs().
class LegPort {
 public:
  virtual ~LegPort() = default;
  // Start leg `index`; report its fate with Forker::leg_ringing/leg_answered/
  // leg_failed (later, or even before this returns).
  virtual void place_leg(std::size_t index) = 0;
  // Stop a placed leg that has not answered (CANCEL). Reports about it are
  // ignored from now on.
  virtual void cancel_leg(std::size_t index, std::string_view why) = 0;
};

// What a finished Dial came to.
struct DialReport {
  dialplan::DialResult result;
  std::optional<std::size_t> winner;  // Answered: the answering leg
  // A leg dialled with rm=n got a 3xx with a Contact: the runner may start a
  // redirect execution (once per call).
  bool redirect_execution = false;
  std::string redirect_execution_uri;
  std::string redirect_execution_response;
};

class Forker {
 public:
  using DoneFn = std::function<void(DialReport)>;

  // `legs` in stage order (routing::Resolution).
  Forker(TimerService& timers, LegPort& port, std::vector<routing::ResolvedLeg> legs,
         int ring_seconds, DoneFn done);
  ~Forker();
  Forker(const Forker&) = delete;
  Forker& operator=(const Forker&) = delete;

  // Starts the ring timer and the first stage with legs.
  void start();

  const std::vector<routing::ResolvedLeg>& legs() const noexcept { return legs_; }
  bool running() const noexcept { return started_ && !finished_; }

  // A provisional response (101-199) on a placed leg.
  void leg_ringing(std::size_t index);
  // True when a 2xx on `index` would win now (the Dial runs and the leg is live).
  bool accepts_answer(std::size_t index) const noexcept;
  // The leg answered (check accepts_answer first): the other legs are
  // cancelled and the Dial ends Answered. Returns false when it did not win.
  bool leg_answered(std::size_t index, int status = 200, std::string_view reason = "OK");
  // The leg ended without answering (a final response, a timeout, a
  // transport or DNS failure).
  void leg_failed(std::size_t index, LegEnd end);
  // Ends the Dial without a report: live legs are cancelled with `why`.
  void abort(std::string_view why);

 private:
  enum class State : std::uint8_t { Waiting, Placed, Ringing, Answered, Failed, Cancelled };
  struct Slot {
    State state = State::Waiting;
    TimerId delay_timer = 0;
  };

  void start_stage();
  void place(std::size_t index);
  void check_stage();
  void on_delay(std::size_t index);
  void on_ring_timeout();
  void cancel_live(std::size_t except, std::string_view why, bool record);
  void stop_timers() noexcept;
  void finish(dialplan::DialOutcome outcome);
  bool live(std::size_t index) const noexcept;

  TimerService& timers_;
  LegPort& port_;
  std::vector<routing::ResolvedLeg> legs_;
  std::vector<Slot> slots_;
  std::size_t stage_ = 0;
  int ring_seconds_ = 180;
  DoneFn done_;
  TimerId ring_timer_ = 0;
  bool started_ = false;
  bool finished_ = false;
  int placing_ = 0;  // >0 while placing legs: reports wait for check_stage
  DialReport report_;
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);
};

}  // namespace sip::dialer
