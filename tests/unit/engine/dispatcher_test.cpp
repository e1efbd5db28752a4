// The engine's intake (engine/dispatcher.cpp): blocked sources are refused
// here, once, before the registrar or the call manager sees anything; the
// registrar and the call manager only report failed authentications to the
// engine's SourceGuard.
#include <gtest/gtest.h>

#include "../registrar/registrar_test_support.hpp"
#include "sip/engine/dispatcher.hpp"

namespace sip::engine {
namespace {

using registrar::test::From;
using registrar::test::Reg;

class DispatcherTest : public registrar::test::RegistrarTest {
 protected:
  void SetUp() override {
    policy::SourceGuardConfig g;
    g.max_failures = 3;
    g.block_for = std::chrono::seconds(120);
    guard.reconfigure(g);
    start();
    dispatcher.set_registrar(registrar.get());
    dispatcher.set_guard(&guard, false);
    user.next = &dispatcher;
  }
  // Three wrong passwords from `attacker`: blocked.
  void block_attacker() {
    for (int i = 0; i < 3; ++i) {
      Reg r;
      r.call_id = "att-" + std::to_string(i);
      const auto resp = register_with_auth(r, "guess", attacker);
      ASSERT_TRUE(resp);
      ASSERT_EQ(resp->status(), 403);
      ASSERT_EQ(resp->reason(), "Forbidden");
    }
    ASSERT_TRUE(guard.blocked("192.0.2.50"));
  }
  std::string invite_bytes() const {
    return "INVITE sip:1002@sipsmith.test SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 192.0.2.50:5060;branch=z9hG4bKinv1\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:1001@sipsmith.test>;tag=a1\r\n"
           "To: <sip:1002@sipsmith.test>\r\n"
           "Call-ID: inv-1@192.0.2.50\r\n"
           "CSeq: 1 INVITE\r\n"
           "Contact: <sip:1001@192.0.2.50:5060>\r\n"
           "Content-Length: 0\r\n\r\n";
  }

  Dispatcher dispatcher{directory, "sipsmith"};
  const From attacker{"192.0.2.50:5060"};
};

TEST_F(DispatcherTest, ABlockedSourceIsRefusedBeforeAnythingElse) {
  block_attacker();
  const auto before = registrar->stats().registers;
  // The right password now: refused without a challenge, the registrar
  // never sees it.
  Reg r;
  r.call_id = "att-ok";
  const auto blocked = send(r, attacker);
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->status(), 403);
  EXPECT_EQ(blocked->reason(), "Blocked");
  EXPECT_EQ(registrar->stats().registers, before);
  // Any request: an INVITE gets the same answer (no call manager is set,
  // which would answer 503 if it got that far).
  ASSERT_EQ(deliver_raw(invite_bytes(), attacker), 1u);
  EXPECT_EQ(last().status(), 403);
  EXPECT_EQ(last().reason(), "Blocked");
  EXPECT_EQ(dispatcher.stats().blocked, 2u);
  // Another source goes on to the registrar (a challenge).
  const auto other = send(Reg{}, From{"192.0.2.51:5060"});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status(), 401);
  // The block ends after block_for.
  timers.advance(std::chrono::seconds(121));
  Reg later;
  later.call_id = "att-later";
  later.cseq = 10;
  const auto after = register_with_auth(later, registrar::test::kPassword, attacker);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status(), 200);
}

TEST_F(DispatcherTest, BlockingSilentlySendsNothing) {
  dispatcher.set_guard(&guard, true);
  block_attacker();
  Reg r;
  r.call_id = "silent";
  EXPECT_FALSE(send(r, attacker));
  EXPECT_EQ(deliver_raw(invite_bytes(), attacker), 0u);
  EXPECT_EQ(dispatcher.stats().blocked, 2u);
}

TEST_F(DispatcherTest, WithoutAGuardNothingIsBlocked) {
  dispatcher.set_guard(nullptr, false);
  block_attacker();  // the registrar still counts into the guard
  Reg r;
  r.call_id = "att-ok";
  const auto resp = register_with_auth(r, registrar::test::kPassword, attacker);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status(), 200);
}

}  // namespace
}  // namespace sip::engine
