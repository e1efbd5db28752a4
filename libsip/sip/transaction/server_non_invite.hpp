// ServerNonInvite: the non-INVITE server transaction of RFC 3261 17.2.2.
// Trying absorbs request retransmissions; Proceeding answers them with the
// last provisional; Completed answers them with the final response for Timer
// J (64*T1 on unreliable transports, zero on reliable ones).
// Thread-safety: core thread only. Owned by the TransactionLayer's table.
#pragma once

#include <string>

#include "sip/transaction/server_txn.hpp"

namespace sip::txn {

class ServerNonInvite final : public ServerTxn {
 public:
  ServerNonInvite(TxnEnv& env, TxnId id, const transport::Inbound& request);

  void on_retransmission() override;
  Result<void> respond(msg::Message response) override;
  bool awaiting_final() const noexcept override {
    return state() == TxnState::Trying || state() == TxnState::Proceeding;
  }

 private:
  void on_timer(TimerKind kind) override;

  std::string last_;  // last response sent
};

}  // namespace sip::txn
