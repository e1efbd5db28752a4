#include "sip/transaction/server_non_invite.hpp"

namespace sip::txn {

ServerNonInvite::ServerNonInvite(TxnEnv& env, TxnId id, const transport::Inbound& request)
    : ServerTxn(env, id, TxnState::Trying, request) {}

void ServerNonInvite::on_retransmission() {
  if (state() == TxnState::Proceeding || state() == TxnState::Completed) send_response(last_);
  // Trying: nothing to answer with yet; the retransmission is absorbed.
}

Result<void> ServerNonInvite::respond(msg::Message response) {
  if (!awaiting_final())
    return make_error(Errc::bad_status, 0, "transaction has sent its final response");
  note_response(response);
  last_ = std::string(response.bytes());
  const bool final = response.status() >= 200;
  set_state(final ? TxnState::Completed : TxnState::Proceeding);
  send_response(last_);
  if (final) arm_or_terminate(TimerKind::J, config().timeout());
  return {};
}

void ServerNonInvite::on_timer(TimerKind kind) {
  if (kind == TimerKind::J) terminate();
}

}  // namespace sip::txn
