// Vocabulary of the transaction layer (RFC 3261 section 17, RFC 6026): timer
// settings, transaction ids, states, and the callbacks through which a client
// transaction reports to its transaction user (TU).
// Thread-safety: plain values, used on the core thread only. Ids are values
// that never dangle: an id whose transaction is gone is simply unknown.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "sip/base/clock.hpp"
#include "sip/base/result.hpp"
#include "sip/message/message.hpp"

namespace sip::txn {

// Timer values of RFC 3261 table 4. Every derived timer follows from these:
// B, F, H, L, M and J (unreliable) are 64*T1; A, E and G start at T1; E and G
// are capped at T2; I and K (unreliable) are T4. Reliable transports use no
// retransmission timers (A, E, G) and zero for D, I, J and K.
struct TimerConfig {
  Duration t1 = std::chrono::milliseconds(500);  // RTT estimate
  Duration t2 = std::chrono::seconds(4);         // longest non-INVITE retransmit interval
  Duration t4 = std::chrono::seconds(5);         // longest time a message stays in the network
  Duration timer_d = std::chrono::seconds(32);   // unreliable transports (RFC: at least 32 s)
  // Proxy INVITE timer (16.6 step 11), off by default; reset by 101-199.
  bool use_timer_c = false;
  Duration timer_c = std::chrono::minutes(3);
  // The INVITE server transaction sends 100 Trying itself when the TU has
  // not answered within this time (17.2.1).
  Duration trying_delay = std::chrono::milliseconds(200);

  Duration timeout() const noexcept { return 64 * t1; }  // B, F, H, J, L, M
};

// Client and server transactions are named by distinct id types; 0 is never
// a valid id.
enum class ClientId : std::uint64_t {};
enum class ServerId : std::uint64_t {};

// The states of the four machines; each machine uses its own subset.
#define SIP_TXN_STATE_LIST(X) \
  X(Calling, "calling")       \
  X(Trying, "trying")         \
  X(Proceeding, "proceeding") \
  X(Completed, "completed")   \
  X(Confirmed, "confirmed")   \
  X(Accepted, "accepted")     \
  X(Terminated, "terminated")

enum class TxnState : std::uint8_t {
#define SIP_TXN_STATE_ENUM(name, text) name,
  SIP_TXN_STATE_LIST(SIP_TXN_STATE_ENUM)
#undef SIP_TXN_STATE_ENUM
};

std::string_view state_name(TxnState s) noexcept;

// What a client transaction reports. Each callback may be empty. After
// on_timeout or on_transport_error nothing more is reported. An INVITE
// transaction reports every 2xx (retransmissions and forks included, RFC
// 6026 Accepted state): acknowledging them is the TU's job.
struct ClientEvents {
  std::function<void(const msg::Message& response)> on_response;
  std::function<void()> on_timeout;  // Timer B or F, or no final after CANCEL
  std::function<void(const Error& why)> on_transport_error;  // 17.1.4
  // Timer C fired (only with TimerConfig::use_timer_c). When empty, the
  // layer sends the CANCEL itself (16.8).
  std::function<void()> on_timer_c;
};

// Why a server transaction failed (reported to the TU, 17.2.1 and 17.2.4).
enum class ServerFailure : std::uint8_t {
  AckTimeout,      // Timer H: no ACK for a non-2xx final response
  TransportError,  // a response could not be sent
};

}  // namespace sip::txn
