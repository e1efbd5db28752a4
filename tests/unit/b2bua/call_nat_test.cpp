// NAT on the call path: a private address in the caller's offer becomes
// the address the INVITE came from, unless the calling account says
// dont_mangle (which covers its calls' SDP as well as its Contact).
#include <string>

#include "call_test_support.hpp"

namespace sip::b2bua::test {
namespace {

constexpr std::string_view kPrivateOffer =
    "v=0\r\no=desk 1 1 IN IP4 192.168.1.50\r\ns=-\r\nc=IN IP4 192.168.1.50\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0\r\n";

class CallNatTest : public CallTest {
 protected:
  std::string offer_bob_got() {
    register_phone("bob", kBob1);
    Invite i = out_call();
    i.sdp = std::string(kPrivateOffer);
    send_invite(i);
    const auto invites = sent_to(kBob1, "INVITE ");
    EXPECT_EQ(invites.size(), 1u);
    return invites.empty() ? std::string() : std::string(invites.front().body());
  }
};

TEST_F(CallNatTest, PrivateOfferBecomesTheCallersSourceAddress) {
  const std::string body = offer_bob_got();
  EXPECT_NE(body.find("c=IN IP4 127.0.0.1\r\n"), std::string::npos) << body;
  EXPECT_EQ(body.find("192.168.1.50\r\nt="), std::string::npos) << body;
}

TEST_F(CallNatTest, DontMangleAccountKeepsItsOffer) {
  store::SipAccount desk = *directory.get(1);
  ASSERT_EQ(desk.username, "1001");
  desk.dont_mangle = true;
  directory.upsert_account(desk);
  EXPECT_EQ(offer_bob_got(), kPrivateOffer);
}

}  // namespace
}  // namespace sip::b2bua::test
