#include <gtest/gtest.h>

#include "sip/message/builder.hpp"
#include "sip/parser/parse.hpp"
#include "sip/transport/transport_layer.hpp"

namespace sip::transport {
namespace {

msg::Message request_with_via(std::string_view via) {
  std::string s = "OPTIONS sip:a@b SIP/2.0\r\nVia: ";
  s += via;
  s += "\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 "
       "OPTIONS\r\nContent-Length: 0\r\n\r\n";
  auto m = parser::parse_datagram(std::move(s));
  EXPECT_TRUE(m) << m.error().to_string();
  return std::move(m).value();
}

TEST(ReceivedRport, NumericSameHostWithoutRportIsUntouched) {
  auto m = request_with_via("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1");
  const std::string before(m.bytes());
  auto r = apply_received_rport(std::move(m), *SocketAddress::parse("192.0.2.1:5060"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bytes(), before);
}

TEST(ReceivedRport, DifferentHostGetsReceived) {
  auto m = request_with_via("SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1");
  auto r = apply_received_rport(std::move(m), *SocketAddress::parse("192.0.2.9:6000"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->top_via()->received(), "192.0.2.9");
  EXPECT_FALSE(r->top_via()->rport());
}

TEST(ReceivedRport, RportIsFilledAndReceivedAdded) {
  auto m = request_with_via("SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1");
  auto r = apply_received_rport(std::move(m), *SocketAddress::parse("203.0.113.5:40000"));
  ASSERT_TRUE(r);
  auto via = r->top_via();
  EXPECT_EQ(via->rport(), "40000");
  EXPECT_EQ(via->received(), "203.0.113.5");
  EXPECT_EQ(via->branch(), "z9hG4bK1");
  EXPECT_EQ(r->call_id(), "c");  // the rest of the message is intact
}

// The rewrite moves spans instead of re-parsing: they must index the new
// bytes exactly as a parse of them does.
void expect_indexed_as_parsed(const msg::Message& m) {
  auto again = parser::parse_datagram(m.bytes());
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(m.body(), again->body());
  EXPECT_EQ(m.request_uri_text(), again->request_uri_text());
  ASSERT_EQ(m.fields().size(), again->fields().size());
  for (std::size_t i = 0; i < m.fields().size(); ++i) {
    const msg::HeaderField& a = m.fields()[i];
    const msg::HeaderField& b = again->fields()[i];
    EXPECT_EQ(a.id, b.id) << i;
    EXPECT_EQ(m.text(a.name), again->text(b.name)) << i;
    EXPECT_EQ(m.text(a.value), again->text(b.value)) << i;
    EXPECT_EQ(m.text(a.line), again->text(b.line)) << i;
  }
}

TEST(ReceivedRport, RewriteInPlaceKeepsEveryOtherLineAndTheBody) {
  std::string s =
      "MESSAGE sip:a@b SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1 , SIP/2.0/UDP "
      "10.0.0.2;branch=z9hG4bK2\r\n"
      "Via: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK3\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\n"
      "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
  auto m = parser::parse_datagram(std::move(s));
  ASSERT_TRUE(m);
  auto r = apply_received_rport(std::move(m).value(), *SocketAddress::parse("203.0.113.5:40000"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->top_via()->rport(), "40000");
  EXPECT_EQ(r->top_via()->received(), "203.0.113.5");
  EXPECT_EQ(r->count(msg::HeaderId::Via), 3u);
  EXPECT_EQ(r->body(), "hello");
  EXPECT_EQ(r->value(msg::HeaderId::ContentLength), "5");
  expect_indexed_as_parsed(*r);
  // A shorter value (stale received/rport dropped) moves spans back.
  auto shorter =
      request_with_via("SIP/2.0/UDP pc.example.com;received=198.51.100.200;branch=z9hG4bK1");
  auto r2 = apply_received_rport(std::move(shorter), *SocketAddress::parse("10.0.0.1:5060"));
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->top_via()->received(), "10.0.0.1");
  EXPECT_EQ(r2->top_via()->branch(), "z9hG4bK1");
  expect_indexed_as_parsed(*r2);
}

TEST(ReceivedRport, Ipv6Source) {
  auto m = request_with_via("SIP/2.0/TCP [::1]:5060;rport;branch=z9hG4bK1");
  auto r = apply_received_rport(std::move(m), *SocketAddress::parse("[::1]:41000"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->top_via()->rport(), "41000");
  EXPECT_EQ(r->top_via()->received(), "::1");
}

TEST(ResponseRouting, UdpUsesReceivedAndRport) {
  auto req = request_with_via(
      "SIP/2.0/UDP 10.0.0.1:5062;rport=40000;received=203.0.113.5;branch=z9hG4bK1");
  auto resp = msg::make_response(req, 200).build();
  ASSERT_TRUE(resp);
  Origin o{Kind::Udp, *SocketAddress::parse("198.51.100.1:5060"),
           *SocketAddress::parse("203.0.113.5:40000"), 7};
  Destination d = response_destination(*resp, o);
  EXPECT_EQ(d.address.to_string(), "203.0.113.5:40000");
  EXPECT_EQ(d.flow, 7u);
}

TEST(ResponseRouting, UdpWithoutRportUsesSentByPort) {
  auto req =
      request_with_via("SIP/2.0/UDP host.example.com:5070;received=203.0.113.5;branch=z9hG4bK1");
  auto resp = msg::make_response(req, 200).build();
  Origin o{Kind::Udp, {}, *SocketAddress::parse("203.0.113.5:40000"), 7};
  Destination d = response_destination(*resp, o);
  EXPECT_EQ(d.address.to_string(), "203.0.113.5:5070");
  EXPECT_EQ(d.flow, 0u);  // another port than the source: not that flow
}

TEST(ResponseRouting, ReliableStaysOnTheFlow) {
  auto req = request_with_via("SIP/2.0/TCP 10.0.0.1:5060;received=203.0.113.5;branch=z9hG4bK1");
  auto resp = msg::make_response(req, 200).build();
  Origin o{Kind::Tcp, {}, *SocketAddress::parse("203.0.113.5:40001"), 9};
  Destination d = response_destination(*resp, o);
  EXPECT_EQ(d.kind, Kind::Tcp);
  EXPECT_EQ(d.flow, 9u);
  EXPECT_EQ(d.address.to_string(), "203.0.113.5:40001");
}

}  // namespace
}  // namespace sip::transport
