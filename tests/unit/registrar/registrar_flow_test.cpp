// Bindings and their flows: a TCP/TLS connection that closes takes the
// bindings registered through it (also those of a REGISTER still being
// stored); UDP bindings and bindings refreshed over another connection stay.
#include "registrar_test_support.hpp"

namespace sip::registrar::test {
namespace {

constexpr store::Id kAcl = 3;  // registers from 198.51.100.0/24 without a challenge

Reg acl_reg(std::string contact, std::uint32_t cseq, std::string call_id = "flow-1") {
  Reg r;
  r.user = "acl";
  r.contacts = {std::move(contact)};
  r.cseq = cseq;
  r.call_id = std::move(call_id);
  return r;
}

const From kTcp{"198.51.100.20:40000", transport::Kind::Tcp, 9};
const From kTcp2{"198.51.100.20:40001", transport::Kind::Tcp, 12};
const From kTls{"198.51.100.21:40002", transport::Kind::Tls, 13};
const From kUdp{"198.51.100.20:5070", transport::Kind::Udp, 3};

class RegistrarFlows : public RegistrarTest {
 protected:
  int status(const Reg& r, const From& from) {
    const auto resp = send(r, from);
    return resp ? resp->status() : 0;
  }
  std::vector<std::string> contacts() const {
    std::vector<std::string> out;
    for (const auto& b : registrar->bindings(kAcl)) out.push_back(b.contact_uri);
    return out;
  }
  std::size_t removed_for_flow() const {
    std::size_t n = 0;
    for (const auto& e : events)
      n += e.kind == BindingEvent::Kind::Removed && e.reason == RemovalReason::FlowClosed;
    return n;
  }
};

TEST_F(RegistrarFlows, ClosedConnectionRemovesItsBindingsOnly) {
  ASSERT_EQ(status(acl_reg("<sip:t@10.0.0.7:5060;transport=tcp>", 1, "c-tcp"), kTcp), 200);
  ASSERT_EQ(status(acl_reg("<sip:s@10.0.0.8:5061;transport=tls>", 1, "c-tls"), kTls), 200);
  ASSERT_EQ(status(acl_reg("<sip:u@10.0.0.9:5060>", 1, "c-udp"), kUdp), 200);
  ASSERT_EQ(registrar->bindings(kAcl).size(), 3u);

  registrar->on_flow_closed(kUdp.flow);  // not a connection: nothing happens
  registrar->on_flow_closed(777);        // unknown flow
  EXPECT_EQ(registrar->bindings(kAcl).size(), 3u);

  registrar->on_flow_closed(kTcp.flow);
  EXPECT_EQ(contacts(),
            (std::vector<std::string>{"sip:s@10.0.0.8:5061;transport=tls", "sip:u@10.0.0.9:5060"}));
  EXPECT_FALSE(persistence.has(kAcl, "sip:t@10.0.0.7:5060;transport=tcp"));
  EXPECT_EQ(removed_for_flow(), 1u);
  EXPECT_STREQ(removal_reason_name(RemovalReason::FlowClosed), "flow_closed");

  registrar->on_flow_closed(kTls.flow);
  EXPECT_EQ(contacts(), (std::vector<std::string>{"sip:u@10.0.0.9:5060"}));
  EXPECT_EQ(removed_for_flow(), 2u);
  EXPECT_TRUE(persistence.has(kAcl, "sip:u@10.0.0.9:5060"));
}

TEST_F(RegistrarFlows, RefreshOverANewConnectionMovesTheBinding) {
  ASSERT_EQ(status(acl_reg("<sip:t@10.0.0.7:5060;transport=tcp>", 1), kTcp), 200);
  // The phone reconnected and refreshed before the old connection's close
  // was noticed.
  ASSERT_EQ(status(acl_reg("<sip:t@10.0.0.7:5060;transport=tcp>", 2), kTcp2), 200);
  registrar->on_flow_closed(kTcp.flow);
  EXPECT_EQ(registrar->bindings(kAcl).size(), 1u);
  registrar->on_flow_closed(kTcp2.flow);
  EXPECT_TRUE(registrar->bindings(kAcl).empty());
}

TEST_F(RegistrarFlows, ConnectionClosingWhileTheRegisterIsStored) {
  persistence.defer = true;
  (void)send(acl_reg("<sip:t@10.0.0.7:5060;transport=tcp>", 1), kTcp);
  // A second REGISTER over the same connection waits in the queue.
  (void)send(acl_reg("<sip:q@10.0.0.7:5060;transport=tcp>", 2), kTcp);
  registrar->on_flow_closed(kTcp.flow);
  EXPECT_TRUE(registrar->bindings(kAcl).empty());
  persistence.complete();  // the first REGISTER's save: in, then out again
  persistence.complete();  // its erase, the queued REGISTER's save
  persistence.complete();  // the queued one's erase
  EXPECT_TRUE(registrar->bindings(kAcl).empty());
  EXPECT_FALSE(persistence.has(kAcl, "sip:t@10.0.0.7:5060;transport=tcp"));
  EXPECT_FALSE(persistence.has(kAcl, "sip:q@10.0.0.7:5060;transport=tcp"));
  EXPECT_EQ(removed_for_flow(), 2u);
}

TEST_F(RegistrarFlows, ClosedConnectionOfAnotherBindingWhileARegisterIsStored) {
  ASSERT_EQ(status(acl_reg("<sip:t@10.0.0.7:5060;transport=tcp>", 1, "c-tcp"), kTcp), 200);
  persistence.defer = true;
  (void)send(acl_reg("<sip:u@10.0.0.9:5060>", 1, "c-udp"), kUdp);
  registrar->on_flow_closed(kTcp.flow);  // deferred until the UDP REGISTER is stored
  EXPECT_EQ(registrar->bindings(kAcl).size(), 1u);
  persistence.complete();
  persistence.complete();
  EXPECT_EQ(contacts(), (std::vector<std::string>{"sip:u@10.0.0.9:5060"}));
  EXPECT_EQ(removed_for_flow(), 1u);
}

}  // namespace
}  // namespace sip::registrar::test
