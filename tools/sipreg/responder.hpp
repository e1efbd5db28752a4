// sipreg's transaction user for requests that reach it (a registrar or proxy
// probing the contact): OPTIONS gets 200 OK, any other request 501 Not
// Implemented; ACKs and stray responses are ignored.
// Thread-safety: core thread only (called by the TransactionLayer).
#pragma once

#include "sip/transaction/transaction_user.hpp"

namespace sipsmith::sipreg {

class Responder final : public sip::txn::TransactionUser {
 public:
  void on_request(sip::txn::ServerTransaction txn, sip::transport::Inbound&& in) override;
  void on_ack_2xx(sip::transport::Inbound&& /*in*/) override {}
};

}  // namespace sipsmith::sipreg
