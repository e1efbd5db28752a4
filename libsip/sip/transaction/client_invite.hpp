// ClientInvite: the INVITE client transaction of RFC 3261 17.1.1 with the
// RFC 6026 Accepted state. Calling retransmits on Timer A (T1, doubling, no
// cap; unreliable transports only) until a response or Timer B (64*T1).
// A 300-699 final is acknowledged here (the ACK is built per 17.1.1.3 and
// re-sent for each retransmitted final until Timer D); a 2xx moves to
// Accepted, where every further 2xx is passed up until Timer M (64*T1).
// Thread-safety: core thread only. Owned by the TransactionLayer's table.
#pragma once

#include <string>

#include "sip/transaction/client_txn.hpp"

namespace sip::txn {

class ClientInvite final : public ClientTxn {
 public:
  ClientInvite(TxnEnv& env, TxnId id, msg::Message request, transport::Destination dest,
               ClientEvents events);

  void start() override;
  void on_response(const msg::Message& response) override;

  // A CANCEL for this INVITE was requested: without a final response within
  // 64*T1 the transaction times out (9.1).
  void cancel_requested();
  bool cancel_was_requested() const noexcept { return cancel_requested_; }
  // A provisional response has arrived (a CANCEL may now be sent, 9.1).
  bool provisional_seen() const noexcept { return provisional_seen_; }

 private:
  void on_timer(TimerKind kind) override;
  void on_provisional(const msg::Message& response);
  void on_2xx(const msg::Message& response);
  void on_failure_final(const msg::Message& response);

  Duration a_interval_{};
  bool provisional_seen_ = false;
  bool cancel_requested_ = false;
  std::string ack_;  // ACK of the non-2xx final, re-sent on its retransmissions
};

}  // namespace sip::txn
