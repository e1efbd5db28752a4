// ClientNonInvite: the non-INVITE client transaction of RFC 3261 17.1.2.
// Trying retransmits on Timer E (T1, doubling, capped at T2; unreliable
// transports only), Proceeding every T2, until a final response or Timer F
// (64*T1). Completed absorbs response retransmissions for Timer K (T4,
// zero on reliable transports). A CANCEL is built as one of these and may be
// held (created, not started) until its INVITE sees a provisional (9.1).
// Thread-safety: core thread only. Owned by the TransactionLayer's table.
#pragma once

#include "sip/transaction/client_txn.hpp"

namespace sip::txn {

class ClientNonInvite final : public ClientTxn {
 public:
  ClientNonInvite(TxnEnv& env, TxnId id, msg::Message request, transport::Destination dest,
                  ClientEvents events);

  void start() override;
  void on_response(const msg::Message& response) override;
  bool started() const noexcept { return started_; }

 private:
  void on_timer(TimerKind kind) override;

  Duration e_interval_{};
  bool started_ = false;
};

}  // namespace sip::txn
