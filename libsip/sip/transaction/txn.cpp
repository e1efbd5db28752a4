#include "sip/transaction/txn.hpp"

#include <string>

#include "sip/base/log.hpp"

namespace sip::txn {

std::string_view state_name(TxnState s) noexcept {
  switch (s) {
#define SIP_TXN_STATE_CASE(name, text) \
  case TxnState::name: return text;
    SIP_TXN_STATE_LIST(SIP_TXN_STATE_CASE)
#undef SIP_TXN_STATE_CASE
  }
  return "?";
}

std::string_view timer_name(TimerKind k) noexcept {
  switch (k) {
#define SIP_TXN_TIMER_CASE(name) \
  case TimerKind::name: return #name;
    SIP_TXN_TIMER_LIST(SIP_TXN_TIMER_CASE)
#undef SIP_TXN_TIMER_CASE
  }
  return "?";
}

void log_txn(TxnId id, std::string_view what, std::string_view detail) noexcept {
  if (!log_enabled(LogLevel::Debug)) return;
  try {
    std::string line = "txn " + std::to_string(id) + ": ";
    line.append(what);
    if (!detail.empty()) line.append(" ").append(detail);
    log(LogLevel::Debug, "txn", line);
  } catch (...) {  // allocation failure: drop the log line, never the message
  }
}

Txn::Txn(TxnEnv& env, TxnId id, bool reliable, TxnState initial) noexcept
    : env_(env), id_(id), reliable_(reliable), state_(initial) {}

Txn::~Txn() {
  disarm_all();
}

void Txn::timer_fired(TimerKind kind) {
  timers_[static_cast<std::size_t>(kind)] = 0;
  if (terminated()) return;
  log_txn(id_, "timer", timer_name(kind));
  on_timer(kind);
}

void Txn::send_done(const Result<transport::Origin>& result) {
  if (!terminated()) on_send_result(result);
}

void Txn::set_state(TxnState s) noexcept {
  if (s == state_) return;
  log_txn(id_, state_name(state_), state_name(s));
  state_ = s;
  if (s == TxnState::Terminated) disarm_all();
}

void Txn::arm(TimerKind kind, Duration after) {
  if (terminated()) return;
  disarm(kind);
  timers_[static_cast<std::size_t>(kind)] = env_.start_timer(id_, kind, after);
}

void Txn::disarm(TimerKind kind) noexcept {
  TimerId& t = timers_[static_cast<std::size_t>(kind)];
  if (t != 0) env_.cancel_timer(t);
  t = 0;
}

bool Txn::armed(TimerKind kind) const noexcept {
  return timers_[static_cast<std::size_t>(kind)] != 0;
}

void Txn::arm_or_terminate(TimerKind kind, Duration value) {
  if (reliable_ || value <= Duration::zero()) {
    terminate();
  } else {
    arm(kind, value);
  }
}

void Txn::terminate() noexcept {
  set_state(TxnState::Terminated);
}

void Txn::send(const transport::Destination& to, std::string bytes) {
  env_.send(id_, to, std::move(bytes));
}

void Txn::disarm_all() noexcept {
  for (std::size_t i = 0; i < timers_.size(); ++i) disarm(static_cast<TimerKind>(i));
}

}  // namespace sip::txn
