#include "sip/transaction/client_non_invite.hpp"

#include <algorithm>
#include <utility>

namespace sip::txn {

ClientNonInvite::ClientNonInvite(TxnEnv& env, TxnId id, msg::Message request,
                                 transport::Destination dest, ClientEvents events)
    : ClientTxn(env, id, TxnState::Trying, std::move(request), std::move(dest), std::move(events)) {
}

void ClientNonInvite::start() {
  if (started_ || terminated()) return;
  started_ = true;
  if (!reliable()) {
    e_interval_ = config().t1;
    arm(TimerKind::E, e_interval_);
  }
  arm(TimerKind::F, config().timeout());
  send_request();
}

void ClientNonInvite::on_timer(TimerKind kind) {
  switch (kind) {
    case TimerKind::E:
      // Trying: T1, 2*T1, ... capped at T2. Proceeding: every T2.
      if (state() == TxnState::Trying) {
        e_interval_ = std::min(2 * e_interval_, config().t2);
      } else if (state() == TxnState::Proceeding) {
        e_interval_ = config().t2;
      } else {
        return;
      }
      arm(TimerKind::E, e_interval_);
      send_request();
      return;
    case TimerKind::F:
      if (!awaiting_final()) return;
      terminate();
      report_timeout();
      return;
    case TimerKind::K: terminate(); return;
    default: return;
  }
}

void ClientNonInvite::on_response(const msg::Message& response) {
  if (!started_ || !awaiting_final()) return;  // Completed absorbs retransmissions
  if (response.status() < 200) {
    set_state(TxnState::Proceeding);
  } else {
    set_state(TxnState::Completed);
    disarm(TimerKind::E);
    disarm(TimerKind::F);
    arm_or_terminate(TimerKind::K, config().t4);
  }
  report_response(response);
}

}  // namespace sip::txn
