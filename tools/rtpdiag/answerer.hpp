// The SIP half of a test: a user agent server that answers one INVITE at a
// time (486 while a test runs) with PCMU (and telephone-event when offered)
// on a Probe's socket, retransmits its 200 until the ACK (RFC 3261
// 13.3.1.4), hangs up with BYE after the test period (or takes the
// caller's BYE), and hands the finished TestReport to `on_done`. OPTIONS is
// answered 200. In-dialog requests go to the INVITE's source (the proxy or
// the caller's NAT pinhole), not to its Contact.
// Thread-safety: core thread only. The loop, layer and reporter outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "options.hpp"
#include "probe.hpp"
#include "report.hpp"
#include "sip/transaction/transaction_layer.hpp"
#include "sip/transport/event_loop.hpp"

namespace sipsmith::rtpdiag {

struct AnswerConfig {
  std::string user;                         // our Contact user
  std::string advertise;                    // IP for SDP/Contact; empty: derive per call
  sip::transport::SocketAddress sip_local;  // the SIP listener
  std::uint16_t rtp_first = 40000, rtp_last = 40999;
  std::chrono::milliseconds duration{10000};
};

// The local address the kernel would use towards `peer` (a connected UDP
// socket; nothing is sent); empty when there is no route.
std::string local_address_towards(const sip::transport::SocketAddress& peer);

class Answerer final : public sip::txn::TransactionUser {
 public:
  using Done = std::function<void(const TestReport&)>;
  Answerer(sip::transport::EventLoop& loop, AnswerConfig config, Reporter& reporter, Done on_done);
  ~Answerer() override;
  void set_layer(sip::txn::TransactionLayer* layer) noexcept { layer_ = layer; }

  bool busy() const noexcept { return call_ != nullptr; }
  // Ends a running test now (signal, shutdown): BYE sent, no wait.
  void abort(const std::string& why);

  // TransactionUser
  void on_request(sip::txn::ServerTransaction txn, sip::transport::Inbound&& in) override;
  void on_ack_2xx(sip::transport::Inbound&& in) override;

 private:
  struct Call;
  void on_invite(sip::txn::ServerTransaction txn, sip::transport::Inbound&& in);
  void on_bye(sip::txn::ServerTransaction txn, const sip::transport::Inbound& in);
  void retransmit_ok();
  void hang_up(const std::string& why);
  void finish(const std::string& hangup);
  std::string advertise_for(const sip::transport::SocketAddress& peer) const;

  sip::transport::EventLoop& loop_;
  AnswerConfig config_;
  Reporter& reporter_;
  Done on_done_;
  sip::txn::TransactionLayer* layer_ = nullptr;
  std::unique_ptr<Call> call_;
  std::unique_ptr<Probe> retired_;  // the last test's, kept until the next one
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sipsmith::rtpdiag
