// ServerTxn: what the two server transactions share (RFC 3261 17.2): a copy
// of the request, where responses go (18.2.2, via the transport), the To tag
// of the transaction's responses, and failures for the TU. Internal to the
// transaction module. Thread-safety: core thread only. Owned by the
// TransactionLayer's table.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sip/message/message.hpp"
#include "sip/transaction/txn.hpp"
#include "sip/transport/transport.hpp"

namespace sip::txn {

// Where responses to a request received from `origin` go: back over the
// flow it came in on, to its source; the transport applies received/rport
// and the 18.2.2 rules.
transport::Destination reply_destination(const transport::Origin& origin);

class ServerTxn : public Txn {
 public:
  ServerTxn(TxnEnv& env, TxnId id, TxnState initial, const transport::Inbound& request);

  virtual void start() {}
  // A retransmission of the request arrived (17.2.3 matched it).
  virtual void on_retransmission() = 0;
  // Sends a response of the TU. Errc::bad_status when the state does not
  // accept it (for example a second final response).
  virtual Result<void> respond(msg::Message response) = 0;
  // No final response has been sent yet.
  virtual bool awaiting_final() const noexcept = 0;

  bool is_invite() const noexcept { return request_.method() == msg::Method::Invite; }
  const msg::Message& request() const noexcept { return request_; }
  // The To tag for responses the layer builds (500, 487, 200 to CANCEL):
  // the request's, else the first one the TU used, else a fresh tag.
  std::string_view local_tag();
  // To tag of the last final response sent (RFC 2543 ACK matching).
  std::string_view final_to_tag() const noexcept { return final_tag_; }
  // A failure the TU has not been told about yet.
  std::optional<ServerFailure> take_failure() noexcept;

 protected:
  void on_send_result(const Result<transport::Origin>& result) override;
  // A response could not be sent; the default ends the transaction.
  virtual void on_transport_error() { terminate(); }
  void send_response(const std::string& bytes) { send(reply_, bytes); }
  // Remembers the To tag of a response on its way out.
  void note_response(const msg::Message& response);
  void fail(ServerFailure why) noexcept { failure_ = why; }

  msg::Message request_;
  transport::Destination reply_;

 private:
  std::string tag_;
  std::string final_tag_;
  std::optional<ServerFailure> failure_;
};

}  // namespace sip::txn
