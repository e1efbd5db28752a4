#include "sip/dialer/forker.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "sip/message/status.hpp"

namespace sip::dialer {

Forker::Forker(TimerService& timers, LegPort& port, std::vector<routing::ResolvedLeg> legs,
               int ring_seconds, DoneFn done)
    : timers_(timers),
      port_(port),
      legs_(std::move(legs)),
      slots_(legs_.size()),
      ring_seconds_(std::max(1, ring_seconds)),
      done_(std::move(done)) {}

Forker::~Forker() {
  stop_timers();
}

bool Forker::live(std::size_t i) const noexcept {
  return i < slots_.size() &&
         (slots_[i].state == State::Placed || slots_[i].state == State::Ringing);
}

void Forker::stop_timers() noexcept {
  if (ring_timer_ != 0) timers_.cancel(ring_timer_);
  ring_timer_ = 0;
  for (auto& s : slots_)
    if (s.delay_timer != 0) {
      timers_.cancel(s.delay_timer);
      s.delay_timer = 0;
    }
}

void Forker::start() {
  if (started_) return;
  started_ = true;
  if (legs_.empty()) return finish(dialplan::DialOutcome::Failed);
  std::weak_ptr<char> token = alive_;
  ring_timer_ = timers_.start(std::chrono::seconds(ring_seconds_), [this, token] {
    if (token.expired()) return;
    ring_timer_ = 0;
    on_ring_timeout();
  });
  stage_ = legs_.front().stage;
  start_stage();
}

void Forker::start_stage() {
  std::vector<std::size_t> now;
  std::optional<std::size_t> soonest;
  for (std::size_t i = 0; i < legs_.size(); ++i) {
    if (legs_[i].stage != stage_) continue;
    const auto delay = legs_[i].options.delay.value_or(0);
    if (delay == 0) {
      now.push_back(i);
      continue;
    }
    if (!soonest || delay < legs_[*soonest].options.delay.value_or(0)) soonest = i;
    std::weak_ptr<char> token = alive_;
    slots_[i].delay_timer = timers_.start(std::chrono::seconds(delay), [this, token, i] {
      if (token.expired()) return;
      slots_[i].delay_timer = 0;
      on_delay(i);
    });
  }
  // A stage of delayed legs only: nothing else is active, so the soonest
  // starts at once (the same rule as when the undelayed legs have failed).
  if (now.empty() && soonest) {
    timers_.cancel(slots_[*soonest].delay_timer);
    slots_[*soonest].delay_timer = 0;
    now.push_back(*soonest);
  }
  std::weak_ptr<char> token = alive_;
  ++placing_;
  for (std::size_t i : now) {
    place(i);
    if (token.expired() || finished_) return;
  }
  --placing_;
  check_stage();
}

void Forker::place(std::size_t i) {
  slots_[i].state = State::Placed;
  port_.place_leg(i);
}

void Forker::on_delay(std::size_t i) {
  if (finished_ || slots_[i].state != State::Waiting) return;
  std::weak_ptr<char> token = alive_;
  ++placing_;
  place(i);
  if (token.expired() || finished_) return;
  --placing_;
  check_stage();
}

void Forker::check_stage() {
  if (finished_ || placing_ > 0) return;
  std::optional<std::size_t> soonest;
  for (std::size_t i = 0; i < legs_.size(); ++i) {
    if (legs_[i].stage != stage_) continue;
    if (live(i)) return;  // still ringing
    if (slots_[i].state == State::Waiting &&
        (!soonest ||
         legs_[i].options.delay.value_or(0) < legs_[*soonest].options.delay.value_or(0)))
      soonest = i;
  }
  if (soonest) {
    // Every started leg of the stage failed: the delayed leg with the
    // smallest delay starts now instead of waiting.
    timers_.cancel(slots_[*soonest].delay_timer);
    slots_[*soonest].delay_timer = 0;
    return on_delay(*soonest);
  }
  // The stage failed: the next stage that has legs, or the Dial failed.
  std::optional<std::size_t> next;
  for (const auto& l : legs_)
    if (l.stage > stage_ && (!next || l.stage < *next)) next = l.stage;
  if (next) {
    stage_ = *next;
    return start_stage();
  }
  finish(report_.result.redirect_uri.empty() ? dialplan::DialOutcome::Failed
                                             : dialplan::DialOutcome::Redirect);
}

void Forker::leg_ringing(std::size_t i) {
  if (finished_ || slots_[i].state != State::Placed) return;
  slots_[i].state = State::Ringing;
}

bool Forker::accepts_answer(std::size_t i) const noexcept {
  return started_ && !finished_ && live(i);
}

bool Forker::leg_answered(std::size_t i, int status, std::string_view reason) {
  if (!accepts_answer(i)) return false;
  slots_[i].state = State::Answered;
  report_.winner = i;
  report_.result.legs.push_back({legs_[i].request_uri, status, std::string(reason)});
  std::weak_ptr<char> token = alive_;
  cancel_live(i, "answered elsewhere", true);
  if (token.expired()) return true;
  finish(dialplan::DialOutcome::Answered);
  return true;
}

void Forker::leg_failed(std::size_t i, LegEnd end) {
  if (finished_ || !live(i)) return;
  slots_[i].state = State::Failed;
  if (end.reason.empty()) end.reason = std::string(msg::reason_phrase(end.status));
  auto& r = report_.result;
  r.legs.push_back({legs_[i].request_uri, end.status, end.reason});
  // The script sees the most recently failed leg, as it failed.
  r.failure_status = end.status;
  r.failure_reason = end.reason;
  if (end.status >= 300 && end.status < 400 && !end.contact.empty()) {
    if (legs_[i].options.redirect == dialstring::RedirectMode::NewExecution) {
      report_.redirect_execution = true;
      report_.redirect_execution_uri = end.contact;
      report_.redirect_execution_response = end.response;
    } else {
      r.redirect_uri = end.contact;
      r.redirect_response = end.response;
    }
  }
  check_stage();
}

void Forker::cancel_live(std::size_t except, std::string_view why, bool record) {
  std::weak_ptr<char> token = alive_;
  for (std::size_t j = 0; j < legs_.size(); ++j) {
    if (j == except) continue;
    if (slots_[j].state == State::Waiting) {
      slots_[j].state = State::Cancelled;
      continue;
    }
    if (!live(j)) continue;
    slots_[j].state = State::Cancelled;
    if (record) report_.result.legs.push_back({legs_[j].request_uri, 487, "Request Terminated"});
    port_.cancel_leg(j, why);
    if (token.expired()) return;
  }
}

void Forker::on_ring_timeout() {
  if (finished_) return;
  std::weak_ptr<char> token = alive_;
  cancel_live(std::numeric_limits<std::size_t>::max(), "ring timeout", true);
  if (token.expired()) return;
  finish(dialplan::DialOutcome::TimedOut);
}

void Forker::abort(std::string_view why) {
  if (finished_) return;
  finished_ = true;
  stop_timers();
  std::weak_ptr<char> token = alive_;
  for (std::size_t j = 0; j < legs_.size(); ++j) {
    if (!live(j)) {
      if (slots_[j].state == State::Waiting) slots_[j].state = State::Cancelled;
      continue;
    }
    slots_[j].state = State::Cancelled;
    port_.cancel_leg(j, why);
    if (token.expired()) return;
  }
}

void Forker::finish(dialplan::DialOutcome outcome) {
  if (finished_) return;
  finished_ = true;
  stop_timers();
  report_.result.outcome = outcome;
  if (outcome == dialplan::DialOutcome::Answered) {
    report_.result.redirect_uri.clear();
    report_.result.redirect_response.clear();
  }
  // Last statement: the callback may destroy this Forker.
  auto done = std::move(done_);
  if (done) done(std::move(report_));
}

}  // namespace sip::dialer
