#include "sip/transaction/client_invite.hpp"

#include <utility>

#include "sip/transaction/derived_request.hpp"

namespace sip::txn {

ClientInvite::ClientInvite(TxnEnv& env, TxnId id, msg::Message request, transport::Destination dest,
                           ClientEvents events)
    : ClientTxn(env, id, TxnState::Calling, std::move(request), std::move(dest),
                std::move(events)) {}

void ClientInvite::start() {
  if (!reliable()) {
    a_interval_ = config().t1;
    arm(TimerKind::A, a_interval_);
  }
  arm(TimerKind::B, config().timeout());
  if (config().use_timer_c) arm(TimerKind::C, config().timer_c);
  send_request();
}

void ClientInvite::cancel_requested() {
  cancel_requested_ = true;
  if (awaiting_final()) arm(TimerKind::CancelGuard, config().timeout());
}

void ClientInvite::on_timer(TimerKind kind) {
  switch (kind) {
    case TimerKind::A:
      if (state() != TxnState::Calling) return;
      a_interval_ *= 2;
      arm(TimerKind::A, a_interval_);
      send_request();
      return;
    case TimerKind::B:
    case TimerKind::CancelGuard:
      if (!awaiting_final()) return;
      terminate();
      report_timeout();
      return;
    case TimerKind::C:
      // 16.8: the TU cancels (or the layer's default handler does).
      if (awaiting_final() && events_.on_timer_c) events_.on_timer_c();
      return;
    case TimerKind::D:
    case TimerKind::M: terminate(); return;
    default: return;
  }
}

void ClientInvite::on_response(const msg::Message& response) {
  const int status = response.status();
  if (awaiting_final()) {
    if (status < 200) return on_provisional(response);
    if (status < 300) return on_2xx(response);
    return on_failure_final(response);
  }
  if (state() == TxnState::Completed && status >= 300) {
    // A retransmitted final: absorbed, answered with the same ACK.
    if (!ack_.empty()) send(dest_, ack_);
  } else if (state() == TxnState::Accepted && status >= 200 && status < 300) {
    report_response(response);  // RFC 6026: 2xx retransmissions and forks go up
  }
}

void ClientInvite::on_provisional(const msg::Message& response) {
  provisional_seen_ = true;
  if (state() == TxnState::Calling) {
    set_state(TxnState::Proceeding);
    disarm(TimerKind::A);
    disarm(TimerKind::B);
  }
  if (config().use_timer_c && response.status() > 100) arm(TimerKind::C, config().timer_c);
  report_response(response);
}

void ClientInvite::on_2xx(const msg::Message& response) {
  set_state(TxnState::Accepted);
  disarm(TimerKind::A);
  disarm(TimerKind::B);
  disarm(TimerKind::C);
  disarm(TimerKind::CancelGuard);
  arm(TimerKind::M, config().timeout());
  report_response(response);
}

void ClientInvite::on_failure_final(const msg::Message& response) {
  set_state(TxnState::Completed);
  disarm(TimerKind::A);
  disarm(TimerKind::B);
  disarm(TimerKind::C);
  disarm(TimerKind::CancelGuard);
  auto ack = make_ack(request_, response);
  if (ack) {
    ack_ = std::move(ack).value();
    send(dest_, ack_);
  } else {
    log_txn(id(), "cannot build ACK", ack.error().detail);
  }
  arm_or_terminate(TimerKind::D, config().timer_d);
  report_response(response);
}

}  // namespace sip::txn
