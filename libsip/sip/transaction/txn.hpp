// Txn: the base of the four transaction state machines. It holds the timers a
// machine runs (all cancelled when it terminates or is destroyed) and reaches
// the outside world only through TxnEnv, which the TransactionLayer
// implements. Internal to the transaction module.
// Thread-safety: core thread only. Ownership: machines are owned by the
// layer's table; timer expiries and send completions reach them by id.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"
#include "sip/base/timer.hpp"
#include "sip/transaction/types.hpp"
#include "sip/transport/transport.hpp"

namespace sip::txn {

using TxnId = std::uint64_t;

#define SIP_TXN_TIMER_LIST(X) \
  X(A) X(B) X(C) X(D) X(E) X(F) X(G) X(H) X(I) X(J) X(K) X(L) X(M) X(Trying) X(CancelGuard)

enum class TimerKind : std::uint8_t {
#define SIP_TXN_TIMER_ENUM(name) name,
  SIP_TXN_TIMER_LIST(SIP_TXN_TIMER_ENUM)
#undef SIP_TXN_TIMER_ENUM
};

#define SIP_TXN_TIMER_COUNT(name) +1
inline constexpr std::size_t kTimerKinds = 0 SIP_TXN_TIMER_LIST(SIP_TXN_TIMER_COUNT);
#undef SIP_TXN_TIMER_COUNT

std::string_view timer_name(TimerKind k) noexcept;

class TxnEnv {
 public:
  virtual ~TxnEnv() = default;
  virtual const TimerConfig& config() const noexcept = 0;
  // Starts a timer whose expiry reaches machine `id` as timer_fired(kind).
  virtual TimerId start_timer(TxnId id, TimerKind kind, Duration after) = 0;
  virtual void cancel_timer(TimerId timer) noexcept = 0;
  // Sends bytes; the outcome reaches machine `id` as send_done().
  virtual void send(TxnId id, const transport::Destination& to, std::string bytes) = 0;
};

// Logs "txn <id>: <what>" at Debug (cheap when Debug is off).
void log_txn(TxnId id, std::string_view what, std::string_view detail = {}) noexcept;

class Txn {
 public:
  Txn(TxnEnv& env, TxnId id, bool reliable, TxnState initial) noexcept;
  virtual ~Txn();
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  TxnId id() const noexcept { return id_; }
  TxnState state() const noexcept { return state_; }
  bool terminated() const noexcept { return state_ == TxnState::Terminated; }
  bool reliable() const noexcept { return reliable_; }

  // Entry points used by the layer; both are ignored once terminated.
  void timer_fired(TimerKind kind);
  void send_done(const Result<transport::Origin>& result);

 protected:
  virtual void on_timer(TimerKind kind) = 0;
  virtual void on_send_result(const Result<transport::Origin>& result) = 0;

  const TimerConfig& config() const noexcept { return env_.config(); }
  void set_state(TxnState s) noexcept;
  // Starts (or restarts) timer `kind`; does nothing once terminated.
  void arm(TimerKind kind, Duration after);
  void disarm(TimerKind kind) noexcept;
  bool armed(TimerKind kind) const noexcept;
  // Timers D, I, J and K: `value` on unreliable transports, zero (an
  // immediate move to Terminated) on reliable ones.
  void arm_or_terminate(TimerKind kind, Duration value);
  // Enters Terminated and cancels every timer. Idempotent.
  void terminate() noexcept;
  void send(const transport::Destination& to, std::string bytes);

 private:
  void disarm_all() noexcept;

  TxnEnv& env_;
  TxnId id_;
  bool reliable_;
  TxnState state_;
  std::array<TimerId, kTimerKinds> timers_{};
};

}  // namespace sip::txn
