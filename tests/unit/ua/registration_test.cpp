// RegistrationSession driven through a real TransactionLayer on a
// ManualTimerService with a fake Sender: refresh timing, digest retry,
// 423 Min-Expires, failover across targets, unregister, query, dry run.
#include "sip/ua/registration.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "../transaction/txn_test_support.hpp"
#include "sip/auth/digest.hpp"
#include "sip/message/builder.hpp"

namespace sip::ua {
namespace {

using namespace std::chrono_literals;
using transport::Kind;
using txn::test::addr;
using txn::test::arrive;
using txn::test::dest_to;
using txn::test::parse;

constexpr const char* kContact = "sip:alice@192.0.2.10:5060";

struct StateEvent {
  RegState state;
  RegFailure failure;
  std::string detail;
};

class RecordingListener final : public RegistrationListener {
 public:
  void on_state(RegState s, RegFailure f, const std::string& detail) override {
    states.push_back({s, f, detail});
  }
  void on_response(const msg::Message& r, double /*elapsed_ms*/) override {
    statuses.push_back(r.status());
  }
  void on_request(const std::string& bytes, const transport::Destination& to) override {
    requests.push_back(bytes);
    request_targets.push_back(to.address);
  }
  void on_bindings(const std::vector<Binding>& b) override { bindings.push_back(b); }
  void on_failover(const transport::Destination& failed, const transport::Destination& next,
                   const std::string& /*why*/) override {
    failovers.emplace_back(failed.address, next.address);
  }

  RegState last_state() const { return states.empty() ? RegState::Idle : states.back().state; }
  RegFailure last_failure() const {
    return states.empty() ? RegFailure::None : states.back().failure;
  }

  std::vector<StateEvent> states;
  std::vector<int> statuses;
  std::vector<std::string> requests;  // as the session handed them to the layer
  std::vector<transport::SocketAddress> request_targets;
  std::vector<std::vector<Binding>> bindings;
  std::vector<std::pair<transport::SocketAddress, transport::SocketAddress>> failovers;
};

class Registration : public txn::test::TxnTest {
 protected:
  ~Registration() override { session.reset(); }

  RegistrationConfig config(std::vector<transport::Destination> targets = {dest_to(Kind::Udp)}) {
    RegistrationConfig c;
    c.aor = "sip:alice@example.com";
    c.registrar_uri = "sip:example.com";
    c.targets = std::move(targets);
    c.contact = kContact;
    c.expires = 600;
    c.credentials = auth::Credentials::with_password("alice", "s3cret");
    return c;
  }
  void make(RegistrationConfig c) {
    session = std::make_unique<RegistrationSession>(*layer, sender, timers, std::move(c), listener);
  }

  // The REGISTERs the session sent (retransmissions by the layer excluded).
  std::size_t registers() const { return listener.requests.size(); }
  msg::Message last_register() const { return parse(listener.requests.back()); }
  std::string header(const msg::Message& m, msg::HeaderId id) const {
    return std::string(m.value(id));
  }

  // Answers the last REGISTER with `status` plus `extra` header lines.
  void answer(int status, std::vector<std::pair<std::string, std::string>> extra = {}) {
    const msg::Message req = last_register();
    auto b = msg::make_response(req, status, {}, "reg1");
    for (const auto& [name, value] : extra) b.header(name, value);
    layer->on_inbound(arrive(parse(b.serialize())));
  }
  void answer_ok(std::uint32_t expires) {
    answer(200,
           {{"Contact", std::string("<") + kContact + ">;expires=" + std::to_string(expires)}});
  }
  std::uint32_t cseq_of(const msg::Message& m) const { return m.cseq() ? m.cseq()->number : 0; }

  RecordingListener listener;
  std::unique_ptr<RegistrationSession> session;
};

TEST_F(Registration, RegistersAndRefreshesBeforeExpiry) {
  make(config());
  session->start_register(true);
  ASSERT_EQ(registers(), 1u);
  const msg::Message first = last_register();
  EXPECT_EQ(first.request_uri_text(), "sip:example.com");
  EXPECT_EQ(header(first, msg::HeaderId::Contact), std::string("<") + kContact + ">");
  EXPECT_EQ(header(first, msg::HeaderId::Expires), "600");
  EXPECT_EQ(listener.last_state(), RegState::Registering);

  answer_ok(600);
  EXPECT_EQ(listener.last_state(), RegState::Registered);
  EXPECT_EQ(session->granted_expires(), 600u);
  ASSERT_EQ(listener.bindings.size(), 1u);
  EXPECT_TRUE(listener.bindings[0].at(0).ours);

  // 600 s granted: the refresh goes 60 s (10%) before expiry, not earlier.
  timers.advance(539s);
  EXPECT_EQ(registers(), 1u);
  timers.advance(1s);
  ASSERT_EQ(registers(), 2u);
  EXPECT_EQ(listener.states.at(listener.states.size() - 1).state, RegState::Refreshing);
  const msg::Message refresh = last_register();
  EXPECT_EQ(refresh.call_id(), first.call_id());
  EXPECT_EQ(cseq_of(refresh), cseq_of(first) + 1);

  // A shorter grant moves the next refresh: 8 s -> after 4 s.
  answer(200, {{"Contact", std::string("<") + kContact + ">"}, {"Expires", "8"}});
  EXPECT_EQ(session->granted_expires(), 8u);
  timers.advance(3999ms);
  EXPECT_EQ(registers(), 2u);
  timers.advance(1ms);
  EXPECT_EQ(registers(), 3u);
}

TEST_F(Registration, OnceDoesNotRefresh) {
  make(config());
  session->start_register(false);
  answer_ok(60);
  EXPECT_EQ(listener.last_state(), RegState::Registered);
  timers.advance(3600s);
  EXPECT_EQ(registers(), 1u);
}

TEST_F(Registration, AnswersA401ChallengeOnce) {
  make(config());
  session->start_register(false);
  const msg::Message first = last_register();
  answer(401, {{"WWW-Authenticate",
                R"(Digest realm="example.com", nonce="n1", qop="auth", algorithm=SHA-256)"}});
  ASSERT_EQ(registers(), 2u);
  const msg::Message retry = last_register();
  EXPECT_EQ(cseq_of(retry), cseq_of(first) + 1);
  EXPECT_NE(retry.top_via()->branch(), first.top_via()->branch());
  const std::string authz = header(retry, msg::HeaderId::Authorization);
  EXPECT_NE(authz.find(R"(username="alice")"), std::string::npos) << authz;
  EXPECT_NE(authz.find("algorithm=SHA-256"), std::string::npos) << authz;

  // The same realm challenging again (not stale) means the password is wrong.
  answer(401, {{"WWW-Authenticate", R"(Digest realm="example.com", nonce="n2", qop="auth")"}});
  EXPECT_EQ(registers(), 2u);
  EXPECT_EQ(listener.last_state(), RegState::Failed);
  EXPECT_EQ(listener.last_failure(), RegFailure::AuthFailed);
}

TEST_F(Registration, AnsweredChallengeThenSuccess) {
  make(config());
  session->start_register(false);
  answer(407, {{"Proxy-Authenticate", R"(Digest realm="proxy", nonce="p1")"}});
  ASSERT_EQ(registers(), 2u);
  EXPECT_NE(header(last_register(), msg::HeaderId::ProxyAuthorization).find(R"(realm="proxy")"),
            std::string::npos);
  answer_ok(600);
  EXPECT_EQ(listener.last_state(), RegState::Registered);
  EXPECT_EQ(listener.statuses, (std::vector<int>{407, 200}));
}

TEST_F(Registration, ChallengeWithoutCredentialsFails) {
  RegistrationConfig c = config();
  c.credentials.reset();
  make(std::move(c));
  session->start_register(false);
  answer(401, {{"WWW-Authenticate", R"(Digest realm="example.com", nonce="n1")"}});
  EXPECT_EQ(listener.last_failure(), RegFailure::AuthFailed);
  EXPECT_EQ(registers(), 1u);
}

TEST_F(Registration, Follows423MinExpires) {
  RegistrationConfig c = config();
  c.expires = 60;
  make(std::move(c));
  session->start_register(false);
  answer(423, {{"Min-Expires", "3600"}});
  ASSERT_EQ(registers(), 2u);
  EXPECT_EQ(header(last_register(), msg::HeaderId::Expires), "3600");
  answer_ok(3600);
  EXPECT_EQ(listener.last_state(), RegState::Registered);
  EXPECT_EQ(session->granted_expires(), 3600u);
}

TEST_F(Registration, A423WithoutMinExpiresIsARejection) {
  make(config());
  session->start_register(false);
  answer(423);
  EXPECT_EQ(listener.last_state(), RegState::Failed);
  EXPECT_EQ(listener.last_failure(), RegFailure::Rejected);
}

TEST_F(Registration, FailsOverToTheSecondTargetOnTimeout) {
  const auto a = dest_to(Kind::Udp, "198.51.100.5:5060");
  const auto b = dest_to(Kind::Udp, "198.51.100.6:5070");
  make(config({a, b}));
  session->start_register(false);
  ASSERT_EQ(registers(), 1u);
  EXPECT_EQ(listener.request_targets.back(), a.address);
  // Retransmissions (Timer E) go to the same target until Timer F (64*T1).
  timers.advance(31999ms);
  EXPECT_EQ(registers(), 1u);
  EXPECT_TRUE(std::all_of(sender.sent.begin(), sender.sent.end(),
                          [&](const auto& s) { return s.to.address == a.address; }));
  timers.advance(1ms);
  ASSERT_EQ(registers(), 2u);
  EXPECT_EQ(listener.request_targets.back(), b.address);
  ASSERT_EQ(listener.failovers.size(), 1u);
  EXPECT_EQ(listener.failovers[0], std::make_pair(a.address, b.address));
  EXPECT_EQ(sender.sent.back().to.address, b.address);
  answer_ok(600);
  EXPECT_EQ(listener.last_state(), RegState::Registered);
  EXPECT_EQ(session->target()->address, b.address);
}

TEST_F(Registration, TimeoutOnEveryTargetFails) {
  make(config({dest_to(Kind::Udp, "198.51.100.5:5060"), dest_to(Kind::Udp, "198.51.100.6:5060")}));
  session->start_register(false);
  timers.advance(64s);
  EXPECT_EQ(registers(), 2u);
  EXPECT_EQ(listener.last_state(), RegState::Failed);
  EXPECT_EQ(listener.last_failure(), RegFailure::Timeout);
}

TEST_F(Registration, FailsOverOnATransportError) {
  const auto a = dest_to(Kind::Tcp, "198.51.100.5:5060");
  const auto b = dest_to(Kind::Tcp, "198.51.100.6:5060");
  make(config({a, b}));
  sender.fail_next(make_error(Errc::network, 0, "connect failed"));
  session->start_register(false);
  ASSERT_EQ(registers(), 2u);
  EXPECT_EQ(listener.request_targets.back(), b.address);
  EXPECT_EQ(listener.failovers.size(), 1u);
}

TEST_F(Registration, A503MovesToTheNextTargetButA403DoesNot) {
  const auto a = dest_to(Kind::Udp, "198.51.100.5:5060");
  const auto b = dest_to(Kind::Udp, "198.51.100.6:5060");
  make(config({a, b}));
  session->start_register(false);
  answer(503);
  ASSERT_EQ(registers(), 2u);
  EXPECT_EQ(listener.request_targets.back(), b.address);
  answer(403);
  EXPECT_EQ(registers(), 2u);
  EXPECT_EQ(listener.last_failure(), RegFailure::Rejected);
  EXPECT_EQ(listener.states.back().detail, "403 Forbidden");
}

TEST_F(Registration, KeepRetriesAfterARejection) {
  make(config());
  session->start_register(true);
  answer(403);
  EXPECT_EQ(listener.last_state(), RegState::Failed);
  timers.advance(29s);
  EXPECT_EQ(registers(), 1u);
  timers.advance(1s);
  EXPECT_EQ(registers(), 2u);
}

TEST_F(Registration, UnregistersOurContactAndStopsRefreshing) {
  make(config());
  session->start_register(true);
  answer_ok(600);
  session->unregister();
  ASSERT_EQ(registers(), 2u);
  const msg::Message unreg = last_register();
  EXPECT_EQ(header(unreg, msg::HeaderId::Contact), std::string("<") + kContact + ">;expires=0");
  EXPECT_EQ(header(unreg, msg::HeaderId::Expires), "0");
  answer(200);
  EXPECT_EQ(listener.last_state(), RegState::Unregistered);
  EXPECT_EQ(session->granted_expires(), 0u);
  timers.advance(3600s);
  EXPECT_EQ(registers(), 2u);
}

TEST_F(Registration, UnregisterAllSendsAStar) {
  make(config());
  session->unregister_all();
  const msg::Message m = last_register();
  EXPECT_EQ(header(m, msg::HeaderId::Contact), "*");
  EXPECT_EQ(header(m, msg::HeaderId::Expires), "0");
  answer(200);
  EXPECT_EQ(listener.last_state(), RegState::Unregistered);
}

TEST_F(Registration, QueryListsTheBindings) {
  make(config());
  session->query();
  const msg::Message m = last_register();
  EXPECT_EQ(m.first(msg::HeaderId::Contact), nullptr);
  EXPECT_EQ(m.first(msg::HeaderId::Expires), nullptr);
  EXPECT_EQ(listener.last_state(), RegState::Querying);
  layer->on_inbound(
      arrive(parse(msg::make_response(m, 200, {}, "q1")
                       .header("Contact", "<sip:alice@192.0.2.7:5060>;expires=1200")
                       .header("Contact", std::string("<") + kContact + ">;expires=30")
                       .serialize())));
  ASSERT_EQ(listener.bindings.size(), 1u);
  const auto& b = listener.bindings[0];
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].contact, "sip:alice@192.0.2.7:5060");
  EXPECT_EQ(b[0].expires, 1200u);
  EXPECT_FALSE(b[0].ours);
  EXPECT_EQ(b[1].expires, 30u);
  EXPECT_TRUE(b[1].ours);
  EXPECT_EQ(listener.last_state(), RegState::Idle);
}

TEST_F(Registration, StopAbandonsThePendingRequest) {
  make(config());
  session->start_register(true);
  const std::size_t sent = sender.sent.size();
  session->stop();
  timers.advance(120s);
  EXPECT_EQ(sender.sent.size(), sent);  // no retransmission, no timeout report
  EXPECT_EQ(listener.last_state(), RegState::Registering);
}

TEST_F(Registration, ABindingWithExpiresZeroIsNotARegistration) {
  make(config());
  session->start_register(false);
  answer_ok(0);
  EXPECT_EQ(listener.last_state(), RegState::Failed);
  EXPECT_EQ(listener.last_failure(), RegFailure::Rejected);
}

TEST_F(Registration, RendersWithoutSending) {
  RegistrationConfig c = config({dest_to(Kind::Tcp)});
  c.contact.clear();
  c.route = {"<sip:proxy.example.com;lr>"};
  make(std::move(c));
  std::string rendered;
  session->render(RegistrationSession::Preview::Register, [&](Result<std::string> r) {
    ASSERT_TRUE(r);
    rendered = *r;
  });
  EXPECT_TRUE(sender.sent.empty());
  EXPECT_TRUE(listener.requests.empty());
  const msg::Message m = parse(rendered);
  EXPECT_EQ(m.top_via()->transport, "TCP");
  EXPECT_EQ(m.top_via()->port, 0);  // no connection: no local port yet
  EXPECT_EQ(header(m, msg::HeaderId::Route), "<sip:proxy.example.com;lr>");
  EXPECT_NE(header(m, msg::HeaderId::Contact).find(";transport=tcp"), std::string::npos);
  EXPECT_EQ(header(m, msg::HeaderId::Expires), "600");
}

}  // namespace
}  // namespace sip::ua
