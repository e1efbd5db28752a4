// Registrar over time: the expiry sweep, restore() after a restart, CRLF and
// OPTIONS keep-alives.
#include <set>

#include "registrar_test_support.hpp"

namespace sip::registrar::test {
namespace {

constexpr store::Id kAcl = 3;
const From kPhone{"198.51.100.20:5070"};

Reg acl_reg(std::vector<std::string> contacts, std::uint32_t cseq = 1) {
  Reg r;
  r.user = "acl";
  r.contacts = std::move(contacts);
  r.cseq = cseq;
  return r;
}

class RegistrarLifetime : public RegistrarTest {
 protected:
  void set_keepalive(store::KeepAliveMode mode) {
    store::SipAccount a = acl_account(kAcl, "acl");
    a.keepalive = mode;
    directory.upsert_account(a);
  }
  // OPTIONS requests sent, retransmissions not counted.
  std::vector<const txn::test::SentMessage*> options_sent() const {
    std::vector<const txn::test::SentMessage*> out;
    std::set<std::string> call_ids;
    for (const auto& s : sender.sent)
      if (s.starts_with("OPTIONS ") &&
          call_ids.insert(std::string(parse(s.bytes).call_id())).second)
        out.push_back(&s);
    return out;
  }
  std::size_t sent_crlf() const {
    std::size_t n = 0;
    for (const auto& s : sender.sent) n += s.bytes == "\r\n\r\n";
    return n;
  }
};

TEST_F(RegistrarLifetime, ExpiredBindingsAreRemovedOnTime) {
  set_keepalive(store::KeepAliveMode::None);
  ASSERT_EQ(send(acl_reg({"<sip:a@198.51.100.20:5070>;expires=60",
                          "<sip:b@198.51.100.20:5070>;expires=120"}),
                 kPhone)
                ->status(),
            200);
  timers.advance(59s);
  EXPECT_EQ(registrar->bindings(kAcl).size(), 2u);
  timers.advance(1s);
  ASSERT_EQ(registrar->bindings(kAcl).size(), 1u);
  EXPECT_FALSE(persistence.has(kAcl, "sip:a@198.51.100.20:5070"));
  EXPECT_EQ(events.back().kind, BindingEvent::Kind::Removed);
  EXPECT_EQ(events.back().reason, RemovalReason::Expired);
  // A refresh moves the expiry.
  ASSERT_EQ(send(acl_reg({"<sip:b@198.51.100.20:5070>;expires=120"}, 2), kPhone)->status(), 200);
  timers.advance(61s);
  EXPECT_EQ(registrar->bindings(kAcl).size(), 1u);
  timers.advance(59s);
  EXPECT_TRUE(registrar->bindings(kAcl).empty());
  EXPECT_TRUE(persistence.rows.empty());
  EXPECT_EQ(registrar->stats().expired, 2u);
  EXPECT_EQ(timers.pending(), 0u);  // no sweep left behind
}

TEST_F(RegistrarLifetime, RestoreDropsExpiredAndSchedulesTheRest) {
  set_keepalive(store::KeepAliveMode::None);
  const std::int64_t now = timers.clock().unix_seconds();
  store::Binding old;
  old.account_id = kAcl;
  old.contact_key = old.contact_uri = old.mangled_uri = "sip:old@198.51.100.20";
  old.transport = "udp";
  old.remote = "198.51.100.20:5070";
  old.expires = now - 5;
  store::Binding live = old;
  live.contact_key = live.contact_uri = live.mangled_uri = "sip:live@198.51.100.20";
  live.expires = now + 90;
  persistence.rows[{kAcl, old.contact_key}] = old;
  persistence.rows[{kAcl, live.contact_key}] = live;
  registrar->restore({old, live});
  EXPECT_FALSE(persistence.has(kAcl, old.contact_key));
  ASSERT_EQ(registrar->bindings(kAcl).size(), 1u);
  EXPECT_EQ(registrar->bindings(kAcl)[0].contact_uri, "sip:live@198.51.100.20");
  // Its remaining expiry shows in a query.
  const auto q = send(acl_reg({}), kPhone);
  ASSERT_TRUE(q);
  EXPECT_NE(std::string(q->value(msg::HeaderId::Contact)).find("expires=90"), std::string::npos);
  timers.advance(89s);
  EXPECT_EQ(registrar->bindings(kAcl).size(), 1u);
  timers.advance(1s);
  EXPECT_TRUE(registrar->bindings(kAcl).empty());
  EXPECT_TRUE(persistence.rows.empty());
}

TEST_F(RegistrarLifetime, CrlfKeepAliveGoesThroughTheFlowOnInterval) {
  Config cfg = test_config();
  cfg.keepalive_interval = 20s;
  start(cfg);
  ASSERT_EQ(send(acl_reg({"<sip:a@192.168.1.2:5060>"}),
                 From{"198.51.100.20:5070", transport::Kind::Udp, 42})
                ->status(),
            200);
  EXPECT_EQ(sent_crlf(), 0u);
  timers.advance(20s);
  ASSERT_EQ(sent_crlf(), 1u);
  const auto it = std::find_if(sender.sent.begin(), sender.sent.end(),
                               [](const auto& s) { return s.bytes == "\r\n\r\n"; });
  EXPECT_EQ(it->to.flow, 42u);
  EXPECT_EQ(it->to.kind, transport::Kind::Udp);
  EXPECT_EQ(it->to.address.to_string(), "198.51.100.20:5070");
  timers.advance(20s);
  EXPECT_EQ(sent_crlf(), 2u);
  EXPECT_EQ(registrar->stats().keepalives_sent, 2u);
  // Mode none: nothing more is sent.
  set_keepalive(store::KeepAliveMode::None);
  timers.advance(60s);
  EXPECT_EQ(sent_crlf(), 2u);
}

TEST_F(RegistrarLifetime, CrlfKeepAliveFailureOnAConnectionRemovesTheBinding) {
  Config cfg = test_config();
  cfg.keepalive_interval = 20s;
  start(cfg);
  ASSERT_EQ(send(acl_reg({"<sip:a@198.51.100.20:40000;transport=tcp>"}),
                 From{"198.51.100.20:40000", transport::Kind::Tcp, 9})
                ->status(),
            200);
  sender.fail_next(make_error(Errc::closed, 0, "connection closed"));
  timers.advance(20s);
  EXPECT_TRUE(registrar->bindings(kAcl).empty());
  EXPECT_EQ(events.back().reason, RemovalReason::KeepAliveFailed);
  EXPECT_EQ(registrar->stats().keepalive_failures, 1u);
}

TEST_F(RegistrarLifetime, UnansweredOptionsKeepAliveRemovesTheBinding) {
  Config cfg = test_config();
  cfg.keepalive_interval = 30s;
  start(cfg);
  set_keepalive(store::KeepAliveMode::Options);
  ASSERT_EQ(send(acl_reg({"<sip:a@192.168.1.2:5060>"}, 1), kPhone)->status(), 200);
  timers.advance(30s);
  ASSERT_EQ(options_sent().size(), 1u);
  const auto& sent = *options_sent()[0];
  const auto options = parse(sent.bytes);
  EXPECT_EQ(options.request_uri_text(), "sip:a@198.51.100.20:5070");
  EXPECT_EQ(sent.to.flow, 3u);
  EXPECT_EQ(sent.to.address.to_string(), "198.51.100.20:5070");
  EXPECT_NE(std::string(options.value(msg::HeaderId::Via)).find("192.0.2.1:5060"),
            std::string::npos);
  // No answer: Timer F (64*T1 = 32 s) ends it and the binding goes.
  timers.advance(32s);
  EXPECT_TRUE(registrar->bindings(kAcl).empty());
  EXPECT_TRUE(persistence.rows.empty());
  EXPECT_EQ(events.back().reason, RemovalReason::KeepAliveFailed);
  EXPECT_EQ(registrar->stats().keepalive_failures, 1u);
}

TEST_F(RegistrarLifetime, AnsweredOptionsKeepAliveKeepsTheBinding) {
  Config cfg = test_config();
  cfg.keepalive_interval = 30s;
  start(cfg);
  set_keepalive(store::KeepAliveMode::Options);
  ASSERT_EQ(send(acl_reg({"<sip:a@198.51.100.20:5070>"}, 1), kPhone)->status(), 200);
  timers.advance(30s);
  ASSERT_EQ(options_sent().size(), 1u);
  const auto options = parse(options_sent()[0]->bytes);
  // Any response counts, even an error.
  layer.on_inbound(txn::test::arrive(txn::test::make_reply(options, 404), transport::Kind::Udp,
                                     "198.51.100.20:5070", 3));
  // Up to the next interval's probe (the first came at a random point).
  const long first = options_sent()[0]->at_ms;
  timers.advance(std::chrono::milliseconds(first));
  EXPECT_EQ(registrar->bindings(kAcl).size(), 1u);
  EXPECT_EQ(options_sent().size(), 2u);
  EXPECT_EQ(registrar->stats().keepalive_failures, 0u);
}

TEST_F(RegistrarLifetime, RemovalsWaitForTheRegisterBeingPersisted) {
  set_keepalive(store::KeepAliveMode::None);
  ASSERT_EQ(send(acl_reg({"<sip:a@198.51.100.20:5070>;expires=60"}, 1), kPhone)->status(), 200);
  timers.advance(59s);
  persistence.defer = true;
  EXPECT_FALSE(send(acl_reg({"<sip:b@198.51.100.20:5070>"}, 2), kPhone));
  // An administrative removal and the expiry of `a` wait for that REGISTER.
  EXPECT_TRUE(registrar->remove(kAcl, "sip:a@198.51.100.20:5070", RemovalReason::Administrative));
  timers.advance(2s);
  EXPECT_EQ(registrar->bindings(kAcl).size(), 1u);
  persistence.complete();
  EXPECT_EQ(last().status(), 200);
  persistence.complete();  // the deferred erase
  const auto b = registrar->bindings(kAcl);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact_uri, "sip:b@198.51.100.20:5070");
  EXPECT_FALSE(persistence.has(kAcl, "sip:a@198.51.100.20:5070"));
  EXPECT_EQ(events.back().reason, RemovalReason::Administrative);
  EXPECT_FALSE(registrar->remove(kAcl, "sip:zz@198.51.100.20", RemovalReason::Administrative));
  EXPECT_TRUE(registrar->remove_all(kAcl, RemovalReason::Administrative));
  persistence.complete();
  EXPECT_TRUE(registrar->all_bindings().empty());
  EXPECT_TRUE(persistence.rows.empty());
}

TEST_F(RegistrarLifetime, ExpiryDuringAPersistedRegisterFollowsIt) {
  set_keepalive(store::KeepAliveMode::None);
  ASSERT_EQ(send(acl_reg({"<sip:a@198.51.100.20:5070>;expires=60"}, 1), kPhone)->status(), 200);
  timers.advance(59s);
  persistence.defer = true;
  EXPECT_FALSE(send(acl_reg({"<sip:b@198.51.100.20:5070>"}, 2), kPhone));
  timers.advance(5s);  // `a` is due, but its account has a REGISTER in flight
  EXPECT_EQ(registrar->bindings(kAcl).size(), 1u);
  persistence.complete();
  EXPECT_EQ(registrar->bindings(kAcl).size(), 2u);
  timers.advance(1s);
  persistence.complete();
  const auto b = registrar->bindings(kAcl);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact_uri, "sip:b@198.51.100.20:5070");
  EXPECT_EQ(registrar->stats().expired, 1u);
}

TEST_F(RegistrarLifetime, RestoredBindingsGetKeepAlivesThroughAListener) {
  Config cfg = test_config();
  cfg.keepalive_interval = 10s;
  start(cfg);
  store::Binding live;
  live.account_id = kAcl;
  live.contact_key = live.contact_uri = "sip:a@192.168.1.2";
  live.mangled_uri = "sip:a@198.51.100.20:5070";
  live.transport = "udp";
  live.remote = "198.51.100.20:5070";
  live.expires = timers.clock().unix_seconds() + 600;
  registrar->restore({live});
  timers.advance(10s);
  ASSERT_EQ(sent_crlf(), 1u);
  EXPECT_EQ(sender.sent.back().to.flow, 0u);  // flows do not survive a restart
  EXPECT_EQ(sender.sent.back().to.address.to_string(), "198.51.100.20:5070");
}

}  // namespace
}  // namespace sip::registrar::test
