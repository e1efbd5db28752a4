// ClientTxn: what the two client transactions share (RFC 3261 17.1): the
// request and where it goes, the TU's ClientEvents, transport failures
// (17.1.4) and learning the flow the request left on, so retransmissions,
// the ACK and a CANCEL follow it. Internal to the transaction module.
// Thread-safety: core thread only. Owned by the TransactionLayer's table.
#pragma once

#include "sip/message/message.hpp"
#include "sip/transaction/txn.hpp"
#include "sip/transport/transport.hpp"

namespace sip::txn {

class ClientTxn : public Txn {
 public:
  ClientTxn(TxnEnv& env, TxnId id, TxnState initial, msg::Message request,
            transport::Destination dest, ClientEvents events);

  // Sends the request and starts the machine's timers.
  virtual void start() = 0;
  // A response matched this transaction (17.1.3).
  virtual void on_response(const msg::Message& response) = 0;

  // The flow the request uses closed: a transport error while awaiting a
  // final response on a reliable transport.
  void on_flow_closed(transport::FlowId flow, const Error& why);
  // The TU lost interest: Terminated, without further events or sends.
  void abandon() noexcept { terminate(); }
  // Re-targets a request not yet started (a held CANCEL follows its INVITE).
  void set_destination(const transport::Destination& dest) { dest_ = dest; }

  bool is_invite() const noexcept { return request_.method() == msg::Method::Invite; }
  // Calling, Trying or Proceeding.
  bool awaiting_final() const noexcept;
  const msg::Message& request() const noexcept { return request_; }
  // Where the request went, with the flow it used once known.
  const transport::Destination& destination() const noexcept { return dest_; }

 protected:
  void on_send_result(const Result<transport::Origin>& result) override;
  void send_request() { send(dest_, std::string(request_.bytes())); }
  void report_response(const msg::Message& response) const {
    if (events_.on_response) events_.on_response(response);
  }
  void report_timeout() const {
    if (events_.on_timeout) events_.on_timeout();
  }

  msg::Message request_;
  transport::Destination dest_;
  ClientEvents events_;
};

}  // namespace sip::txn
