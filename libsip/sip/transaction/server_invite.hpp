// ServerInvite: the INVITE server transaction of RFC 3261 17.2.1 with the
// RFC 6026 Accepted state. Proceeding sends 100 Trying itself when the TU is
// silent for 200 ms and answers INVITE retransmissions with the last
// provisional. A 300-699 final moves to Completed: retransmitted on Timer G
// (T1 doubling, capped at T2; unreliable only) and on INVITE
// retransmissions until the ACK (absorbed; Confirmed for Timer I = T4) or
// Timer H (64*T1, reported to the TU). A 2xx moves to Accepted for Timer L
// (64*T1): INVITE retransmissions absorbed, ACKs and further 2xx passed on.
// Thread-safety: core thread only. Owned by the TransactionLayer's table.
#pragma once

#include <string>

#include "sip/transaction/server_txn.hpp"

namespace sip::txn {

class ServerInvite final : public ServerTxn {
 public:
  ServerInvite(TxnEnv& env, TxnId id, const transport::Inbound& request);

  void start() override;
  void on_retransmission() override;
  Result<void> respond(msg::Message response) override;
  bool awaiting_final() const noexcept override { return state() == TxnState::Proceeding; }
  // An ACK matched this transaction. True when the TU must see it (Accepted,
  // RFC 6026); false when it was absorbed.
  bool on_ack();

 private:
  void on_timer(TimerKind kind) override;
  void on_transport_error() override;

  std::string provisional_;  // last provisional sent
  std::string final_;        // the 300-699 final, for retransmission
  Duration g_interval_{};
};

}  // namespace sip::txn
