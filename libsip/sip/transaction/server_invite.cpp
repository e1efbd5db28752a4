#include "sip/transaction/server_invite.hpp"

#include <algorithm>
#include <utility>

#include "sip/message/builder.hpp"

namespace sip::txn {

ServerInvite::ServerInvite(TxnEnv& env, TxnId id, const transport::Inbound& request)
    : ServerTxn(env, id, TxnState::Proceeding, request) {}

void ServerInvite::start() {
  arm(TimerKind::Trying, config().trying_delay);
}

void ServerInvite::on_retransmission() {
  if (state() == TxnState::Proceeding && !provisional_.empty()) {
    send_response(provisional_);
  } else if (state() == TxnState::Completed) {
    send_response(final_);
  }
  // Confirmed and Accepted absorb it.
}

Result<void> ServerInvite::respond(msg::Message response) {
  const int status = response.status();
  if (state() == TxnState::Accepted && status >= 200 && status < 300) {
    send_response(std::string(response.bytes()));  // the TU retransmits its 2xx (13.3.1.4)
    return {};
  }
  if (state() != TxnState::Proceeding)
    return make_error(Errc::bad_status, 0, "INVITE transaction has sent its final response");
  disarm(TimerKind::Trying);
  note_response(response);
  std::string bytes(response.bytes());
  if (status < 200) {
    provisional_ = bytes;
  } else if (status < 300) {
    set_state(TxnState::Accepted);
    arm(TimerKind::L, config().timeout());
  } else {
    set_state(TxnState::Completed);
    final_ = bytes;
    if (!reliable()) {
      g_interval_ = config().t1;
      arm(TimerKind::G, g_interval_);
    }
    arm(TimerKind::H, config().timeout());
  }
  send_response(bytes);
  return {};
}

bool ServerInvite::on_ack() {
  if (state() == TxnState::Accepted) return true;
  if (state() == TxnState::Completed) {
    set_state(TxnState::Confirmed);
    disarm(TimerKind::G);
    disarm(TimerKind::H);
    arm_or_terminate(TimerKind::I, config().t4);
  }
  return false;
}

void ServerInvite::on_timer(TimerKind kind) {
  switch (kind) {
    case TimerKind::Trying:
      if (state() == TxnState::Proceeding && provisional_.empty()) {
        provisional_ = msg::make_response(request_, 100).serialize();
        send_response(provisional_);
      }
      return;
    case TimerKind::G:
      if (state() != TxnState::Completed) return;
      g_interval_ = std::min(2 * g_interval_, config().t2);
      arm(TimerKind::G, g_interval_);
      send_response(final_);
      return;
    case TimerKind::H:
      if (state() != TxnState::Completed) return;
      fail(ServerFailure::AckTimeout);
      terminate();
      return;
    case TimerKind::I:
    case TimerKind::L: terminate(); return;
    default: return;
  }
}

void ServerInvite::on_transport_error() {
  // RFC 6026: in Accepted the TU keeps retransmitting its 2xx and ACKs still
  // arrive, so the transaction stays; elsewhere it ends (17.2.4).
  if (state() != TxnState::Accepted) terminate();
}

}  // namespace sip::txn
