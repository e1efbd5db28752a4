// The server-side face of the transaction layer: the TransactionUser
// interface the layer calls upwards, and ServerTransaction, the move-only
// handle through which the TU answers a request. A handle dropped before a
// final response was sent answers 500 Server Internal Error, so a request is
// never left unanswered. Thread-safety: core thread only. Ownership: a handle
// holds the layer's address and an id; the TransactionLayer must outlive
// every handle (the composition root destroys TUs before the layer).
#pragma once

#include <string_view>

#include "sip/base/result.hpp"
#include "sip/message/message.hpp"
#include "sip/transaction/types.hpp"
#include "sip/transport/transport.hpp"

namespace sip::txn {

class TransactionLayer;

class ServerTransaction {
 public:
  ServerTransaction() = default;
  ServerTransaction(ServerTransaction&& other) noexcept;
  ServerTransaction& operator=(ServerTransaction&& other) noexcept;
  ServerTransaction(const ServerTransaction&) = delete;
  ServerTransaction& operator=(const ServerTransaction&) = delete;
  // Sends 500 when no final response was sent yet.
  ~ServerTransaction();

  ServerId id() const noexcept { return id_; }
  explicit operator bool() const noexcept { return layer_ != nullptr; }

  // As TransactionLayer::respond. A provisional keeps the handle armed; a
  // final response leaves nothing for the destructor to do.
  Result<void> respond(msg::Message response);
  Result<void> respond(int status, std::string_view reason = {});
  // Detaches the handle without answering: the caller takes over the duty
  // to respond by id (TransactionLayer::respond).
  ServerId release() noexcept;

 private:
  friend class TransactionLayer;
  ServerTransaction(TransactionLayer* layer, ServerId id) noexcept : layer_(layer), id_(id) {}
  void reset() noexcept;

  TransactionLayer* layer_ = nullptr;
  ServerId id_{};
};

// What the layer hands upwards. All calls happen on the core thread, from
// inside TransactionLayer::on_inbound or a timer; they may call back into the
// layer.
class TransactionUser {
 public:
  virtual ~TransactionUser() = default;
  // A new request (never ACK or CANCEL). Keep `txn` to answer later; letting
  // it go without a final response answers 500.
  virtual void on_request(ServerTransaction txn, transport::Inbound&& in) = 0;
  // An ACK no transaction absorbed: the ACK for a 2xx (RFC 6026 Accepted
  // state, or a new branch), or a late ACK whose transaction is gone.
  virtual void on_ack_2xx(transport::Inbound&& in) = 0;
  // A CANCEL matched `invite`, which awaits its final response. The layer has
  // answered the CANCEL 200; when this returns and the INVITE still has no
  // final response, the layer answers it 487 Request Terminated (9.2).
  virtual void on_cancel(ServerId /*invite*/, const msg::Message& /*cancel*/) {}
  // A response no client transaction matched (e.g. a 2xx after Timer M).
  virtual void on_stray_response(transport::Inbound&& /*in*/) {}
  // A server transaction failed (Timer H, or a response could not be sent).
  virtual void on_server_failed(ServerId /*id*/, ServerFailure /*why*/) {}
};

}  // namespace sip::txn
