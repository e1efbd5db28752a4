// Test doubles and builders for the transaction tests: a FakeSender that
// records each message with its Destination and send time (and can fail a
// send), a recording TransactionUser, a recorder of ClientEvents, and a
// fixture wiring them to a TransactionLayer on a ManualTimerService.
// Deterministic: time moves only through ManualTimerService::advance.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sip/base/timer.hpp"
#include "sip/message/builder.hpp"
#include "sip/parser/parse.hpp"
#include "sip/transaction/transaction_layer.hpp"

namespace sip::txn::test {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

inline long to_ms(Duration d) {
  return static_cast<long>(std::chrono::duration_cast<milliseconds>(d).count());
}

inline msg::Message parse(std::string_view bytes) {
  auto m = parser::parse_datagram(bytes);
  EXPECT_TRUE(m) << m.error().to_string() << "\n" << bytes;
  return m ? std::move(m).value() : msg::Message{};
}

struct SentMessage {
  transport::Destination to;
  std::string bytes;
  long at_ms = 0;  // send time since the test's time zero
  std::string_view first_line() const {
    return std::string_view(bytes).substr(0, bytes.find('\r'));
  }
  bool starts_with(std::string_view prefix) const { return bytes.starts_with(prefix); }
};

class FakeSender final : public transport::Sender {
 public:
  explicit FakeSender(const Clock& clock) : clock_(clock) {}

  void send(const transport::Destination& to, std::string bytes,
            transport::SendDone done) override {
    sent.push_back({to, std::move(bytes), to_ms(clock_.now().time_since_epoch())});
    Result<transport::Origin> result =
        transport::Origin{to.kind, {}, to.address, to.flow ? to.flow : next_flow};
    if (fail_next_) result = *std::exchange(fail_next_, std::nullopt);
    if (defer) {
      pending.emplace_back(std::move(done), std::move(result));
    } else if (done) {
      done(result);
    }
  }
  void open_flow(const transport::Destination& to, transport::SendDone done) override {
    if (done) done(transport::Origin{to.kind, {}, to.address, next_flow});
  }

  // The next send completes with `why`.
  void fail_next(const Error& why) { fail_next_ = why; }
  // Runs the completion of deferred send `i`, optionally replacing its result.
  void complete(std::size_t i, std::optional<Error> error = std::nullopt) {
    auto [done, result] = std::move(pending.at(i));
    if (error) result = *error;
    if (done) done(result);
  }
  // Send times (ms) of the messages whose bytes start with `prefix`.
  std::vector<long> times(std::string_view prefix) const {
    std::vector<long> t;
    for (const auto& s : sent)
      if (s.starts_with(prefix)) t.push_back(s.at_ms);
    return t;
  }
  std::size_t count(std::string_view prefix) const { return times(prefix).size(); }

  bool defer = false;
  transport::FlowId next_flow = 7;
  std::vector<SentMessage> sent;
  std::vector<std::pair<transport::SendDone, Result<transport::Origin>>> pending;

 private:
  const Clock& clock_;
  std::optional<Error> fail_next_;
};

class RecordingUser final : public TransactionUser {
 public:
  void on_request(ServerTransaction txn, transport::Inbound&& in) override {
    ids.push_back(txn.id());
    if (on_request_hook) on_request_hook(txn, in);
    requests.push_back(std::move(in));
    if (keep_handles) handles.push_back(std::move(txn));
  }
  void on_ack_2xx(transport::Inbound&& in) override { acks.push_back(std::move(in)); }
  void on_cancel(ServerId invite, const msg::Message&) override {
    cancelled.push_back(invite);
    if (on_cancel_hook) on_cancel_hook(invite);
  }
  void on_stray_response(transport::Inbound&& in) override { strays.push_back(std::move(in)); }
  void on_server_failed(ServerId id, ServerFailure why) override { failures.emplace_back(id, why); }

  bool keep_handles = true;  // false: handles die at once (500)
  std::function<void(ServerTransaction&, const transport::Inbound&)> on_request_hook;
  std::function<void(ServerId)> on_cancel_hook;
  std::vector<ServerId> ids;
  std::vector<ServerTransaction> handles;
  std::vector<transport::Inbound> requests, acks, strays;
  std::vector<ServerId> cancelled;
  std::vector<std::pair<ServerId, ServerFailure>> failures;
};

// Records what a client transaction reports, with the time of each report.
struct ClientLog {
  explicit ClientLog(const Clock& c) : clock(c) {}
  ClientEvents events(bool with_timer_c = false) {
    ClientEvents e;
    e.on_response = [this](const msg::Message& r) {
      statuses.push_back(r.status());
      response_ms.push_back(now_ms());
    };
    e.on_timeout = [this] { timeout_ms.push_back(now_ms()); };
    e.on_transport_error = [this](const Error& why) { errors.push_back(why); };
    if (with_timer_c) e.on_timer_c = [this] { timer_c_ms.push_back(now_ms()); };
    return e;
  }
  long now_ms() const { return to_ms(clock.now().time_since_epoch()); }

  const Clock& clock;
  std::vector<int> statuses;
  std::vector<long> response_ms, timeout_ms, timer_c_ms;
  std::vector<Error> errors;
};

struct RequestSpec {
  std::string method = "INVITE";
  std::string branch = "z9hG4bKclient1";
  std::string sent_by = "192.0.2.10:5060";
  std::string transport = "UDP";
  std::string uri = "sip:bob@example.com";
  std::string call_id = "call-1@192.0.2.10";
  std::string from_tag = "alice1";
  std::string to_tag;
  std::uint32_t cseq = 1;
  std::string cseq_method;  // defaults to `method`
  std::vector<std::string> routes;
  std::vector<std::string> extra_vias;  // below the top Via
};

inline std::string via_value(const RequestSpec& s) {
  std::string v = "SIP/2.0/" + s.transport + " " + s.sent_by;
  if (!s.branch.empty()) v += ";branch=" + s.branch;
  return v;
}

inline msg::Message make_request(const RequestSpec& s) {
  auto b = msg::MessageBuilder::request(s.method, s.uri);
  b.header("Via", via_value(s));
  for (const auto& v : s.extra_vias) b.header("Via", v);
  for (const auto& r : s.routes) b.header("Route", r);
  b.header("Max-Forwards", "70");
  b.header("From", "\"Alice\" <sip:alice@example.com>;tag=" + s.from_tag);
  b.header("To", "<sip:bob@example.com>" + (s.to_tag.empty() ? "" : ";tag=" + s.to_tag));
  b.header("Call-ID", s.call_id);
  b.header("CSeq",
           std::to_string(s.cseq) + " " + (s.cseq_method.empty() ? s.method : s.cseq_method));
  return parse(b.serialize());
}

// A response to `request` as its server would send it.
inline msg::Message make_reply(const msg::Message& request, int status,
                               std::string_view to_tag = "bob1") {
  return parse(msg::make_response(request, status, {}, to_tag).serialize());
}

inline transport::SocketAddress addr(std::string_view text) {
  return transport::SocketAddress::parse(text).value();
}

inline transport::Destination dest_to(transport::Kind kind,
                                      std::string_view address = "198.51.100.5:5060") {
  transport::Destination d;
  d.kind = kind;
  d.address = addr(address);
  return d;
}

// A message as the transport hands it up, from `remote` over `flow`.
inline transport::Inbound arrive(msg::Message m, transport::Kind kind = transport::Kind::Udp,
                                 std::string_view remote = "203.0.113.9:5070",
                                 transport::FlowId flow = 3) {
  transport::Inbound in;
  in.message = std::move(m);
  in.origin.kind = kind;
  in.origin.local = addr("192.0.2.1:5060");
  in.origin.remote = addr(remote);
  in.origin.flow = flow;
  return in;
}

class TxnTest : public ::testing::Test {
 protected:
  // Handles must not outlive the layer.
  ~TxnTest() override { user.handles.clear(); }
  void reconfigure(const TimerConfig& config) {
    user.handles.clear();
    layer.reset();
    layer = std::make_unique<TransactionLayer>(sender, timers, user, config);
  }
  long now_ms() const { return to_ms(timers.clock().now().time_since_epoch()); }
  // Moves the clock to `t` (ms since time zero), firing due timers.
  void advance_to(long t) { timers.advance(milliseconds(t - now_ms())); }
  void deliver(msg::Message m, transport::Kind kind = transport::Kind::Udp) {
    layer->on_inbound(arrive(std::move(m), kind));
  }
  msg::Message last_sent() const { return parse(sender.sent.back().bytes); }

  ManualTimerService timers;
  FakeSender sender{timers.clock()};
  RecordingUser user;
  std::unique_ptr<TransactionLayer> layer =
      std::make_unique<TransactionLayer>(sender, timers, user);
};

}  // namespace sip::txn::test
