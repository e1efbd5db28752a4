#include "sip/transaction/client_txn.hpp"

#include <utility>

namespace sip::txn {

ClientTxn::ClientTxn(TxnEnv& env, TxnId id, TxnState initial, msg::Message request,
                     transport::Destination dest, ClientEvents events)
    : Txn(env, id, transport::is_reliable(dest.kind), initial),
      request_(std::move(request)),
      dest_(std::move(dest)),
      events_(std::move(events)) {}

bool ClientTxn::awaiting_final() const noexcept {
  const TxnState s = state();
  return s == TxnState::Calling || s == TxnState::Trying || s == TxnState::Proceeding;
}

void ClientTxn::on_send_result(const Result<transport::Origin>& result) {
  if (result) {
    dest_.flow = result->flow;
    return;
  }
  // 17.1.4: a failure while the request is outstanding ends the transaction
  // and is reported; a failed ACK after the final response only ends it.
  const bool report = awaiting_final();
  log_txn(id(), "transport error", result.error().detail);
  terminate();
  if (report && events_.on_transport_error) events_.on_transport_error(result.error());
}

void ClientTxn::on_flow_closed(transport::FlowId flow, const Error& why) {
  if (terminated() || !reliable() || flow == 0 || flow != dest_.flow || !awaiting_final()) return;
  on_send_result(why);
}

}  // namespace sip::txn
