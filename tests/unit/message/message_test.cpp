#include "sip/message/message.hpp"

#include <gtest/gtest.h>

#include "sip/message/header_id.hpp"
#include "sip/message/method.hpp"
#include "sip/parser/parse.hpp"

namespace sip::msg {
namespace {

constexpr std::string_view kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds, SIP/2.0/TCP "
    "proxy.example.com;branch=z9hG4bKa\r\n"
    "v: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKb;rport=5062;received=192.0.2.1\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "f: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "i: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "m: <sip:alice@pc33.atlanta.example.com>;expires=60, \"x,y\" <sip:x@h>\r\n"
    "Supported: replaces, timer\r\n"
    "Require: 100rel\r\n"
    "X-Custom: a, b, c\r\n"
    "c: application/sdp\r\n"
    "l: 5\r\n"
    "\r\n"
    "v=0\r\n";

Message parse(std::string_view s) {
  auto m = parser::parse_datagram(s);
  EXPECT_TRUE(m) << m.error().to_string();
  return std::move(m).value();
}

TEST(HeaderId, FullAndCompactNamesAnyCase) {
  EXPECT_EQ(header_id_from_name("VIA"), HeaderId::Via);
  EXPECT_EQ(header_id_from_name("v"), HeaderId::Via);
  EXPECT_EQ(header_id_from_name("V"), HeaderId::Via);
  EXPECT_EQ(header_id_from_name("call-id"), HeaderId::CallId);
  EXPECT_EQ(header_id_from_name("i"), HeaderId::CallId);
  EXPECT_EQ(header_id_from_name("l"), HeaderId::ContentLength);
  EXPECT_EQ(header_id_from_name("WWW-Authenticate"), HeaderId::WwwAuthenticate);
  EXPECT_EQ(header_id_from_name("C%6Fntact"), HeaderId::Other);
  EXPECT_EQ(header_id_from_name("q"), HeaderId::Other);
  EXPECT_EQ(header_id_from_name(""), HeaderId::Other);
  EXPECT_EQ(header_name(HeaderId::CallId), "Call-ID");
  EXPECT_TRUE(header_is_list(HeaderId::Contact));
  EXPECT_FALSE(header_is_list(HeaderId::WwwAuthenticate));
  EXPECT_FALSE(header_is_list(HeaderId::Other));
}

TEST(HeaderId, EveryCanonicalNameRoundTrips) {
  for (int i = 0; i < static_cast<int>(HeaderId::Other); ++i) {
    const auto id = static_cast<HeaderId>(i);
    EXPECT_EQ(header_id_from_name(header_name(id)), id) << header_name(id);
  }
}

TEST(MethodTest, CaseSensitive) {
  EXPECT_EQ(method_from_token("INVITE"), Method::Invite);
  EXPECT_EQ(method_from_token("invite"), Method::Unknown);
  EXPECT_EQ(method_from_token("RE%47IST%45R"), Method::Unknown);
  EXPECT_EQ(method_name(Method::Publish), "PUBLISH");
  for (int i = 0; i < static_cast<int>(Method::Unknown); ++i)
    EXPECT_EQ(method_from_token(method_name(static_cast<Method>(i))), static_cast<Method>(i));
}

TEST(Message, StartLineAndBody) {
  Message m = parse(kInvite);
  EXPECT_TRUE(m.is_request());
  EXPECT_EQ(m.method(), Method::Invite);
  EXPECT_EQ(m.method_token(), "INVITE");
  EXPECT_EQ(m.request_uri_text(), "sip:bob@biloxi.example.com");
  EXPECT_EQ(m.request_uri()->user, "bob");
  EXPECT_EQ(m.version(), "SIP/2.0");
  EXPECT_EQ(m.body(), "v=0\r\n");
  EXPECT_EQ(*m.content_length(), 5u);
}

TEST(Message, ListHeadersSplitOutsideQuotesAndAngles) {
  Message m = parse(kInvite);
  EXPECT_EQ(m.count(HeaderId::Via), 3u);
  std::vector<std::string_view> branches;
  m.for_each(HeaderId::Via,
             [&](const HeaderField& f) { branches.push_back(m.via_at(f)->branch()); });
  ASSERT_EQ(branches.size(), 3u);
  EXPECT_EQ(branches[0], "z9hG4bK776asdhds");
  EXPECT_EQ(branches[1], "z9hG4bKa");
  EXPECT_EQ(branches[2], "z9hG4bKb");
  EXPECT_EQ(m.top_via()->host, "pc33.atlanta.example.com");
  EXPECT_EQ(m.count(HeaderId::Contact), 2u);
  std::vector<std::string_view> users;
  m.for_each(HeaderId::Contact,
             [&](const HeaderField& f) { users.push_back(m.contact_at(f)->addr.uri.user); });
  EXPECT_EQ(users, (std::vector<std::string_view>{"alice", "x"}));
  // Unknown headers are never split.
  ASSERT_NE(m.find("x-custom"), nullptr);
  EXPECT_EQ(m.text(m.find("X-CUSTOM")->value), "a, b, c");
}

TEST(Message, TypedAccessors) {
  Message m = parse(kInvite);
  EXPECT_EQ(m.from()->display, "Alice, A.");
  EXPECT_EQ(m.from()->tag(), "1928301774");
  EXPECT_EQ(m.to()->tag(), "");
  EXPECT_EQ(m.to()->display, "Bob");
  EXPECT_EQ(m.call_id(), "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(m.cseq()->number, 314159u);
  EXPECT_EQ(m.cseq()->method, Method::Invite);
  EXPECT_EQ(*m.max_forwards(), 70u);
  EXPECT_TRUE(m.content_type()->is("application", "sdp"));
  EXPECT_TRUE(m.has_token(HeaderId::Supported, "TIMER"));
  EXPECT_FALSE(m.has_token(HeaderId::Supported, "100rel"));
  std::vector<std::string_view> req;
  m.for_each_token(HeaderId::Require, [&](std::string_view t) { req.push_back(t); });
  EXPECT_EQ(req, std::vector<std::string_view>{"100rel"});
}

TEST(Message, AbsentHeadersAreNotFoundAndNeverCreated) {
  Message m = parse(kInvite);
  const std::size_t before = m.fields().size();
  EXPECT_EQ(m.expires().error().code, Errc::not_found);
  EXPECT_EQ(m.refer_to().error().code, Errc::not_found);
  EXPECT_EQ(m.replaces().error().code, Errc::not_found);
  EXPECT_EQ(m.reason_header().error().code, Errc::not_found);
  EXPECT_EQ(m.first(HeaderId::Route), nullptr);
  EXPECT_EQ(m.find("X-Nothing"), nullptr);
  EXPECT_EQ(m.value(HeaderId::Subject), "");
  EXPECT_EQ(m.fields().size(), before);
}

TEST(Message, ErrorOffsetsPointIntoTheMessage) {
  Message m = parse(
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
      "To: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nExpires: soon\r\n\r\n");
  auto e = m.expires();
  ASSERT_FALSE(e);
  EXPECT_EQ(m.bytes().substr(e.error().offset, 4), "soon");
}

TEST(Message, ResponseAndClone) {
  Message m = parse(
      "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
      "To: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nReason: "
      "SIP;cause=486;text=\"Busy\"\r\n\r\n");
  EXPECT_TRUE(m.is_response());
  EXPECT_EQ(m.status(), 486);
  EXPECT_EQ(m.reason(), "Busy Here");
  EXPECT_EQ(m.reason_header()->cause, 486u);
  Message c = m.clone();
  EXPECT_EQ(c.bytes(), m.bytes());
  EXPECT_EQ(c.to()->tag(), "2");
  Message moved = std::move(c);
  EXPECT_EQ(moved.to()->tag(), "2");  // spans survive a move
}

}  // namespace
}  // namespace sip::msg
