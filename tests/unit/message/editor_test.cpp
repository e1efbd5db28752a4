#include "sip/message/editor.hpp"

#include <gtest/gtest.h>

#include "sip/message/builder.hpp"
#include "sip/parser/parse.hpp"

namespace sip::msg {
namespace {

constexpr std::string_view kRequest =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n"
    "Route: <sip:p1.example.com;lr>\r\n"
    "Route: <sip:p2.example.com;lr>\r\n"
    "From:   \"A\"  <sip:a@example.com>;tag=9\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: c1\r\n"
    "CSeq: 1 INVITE\r\n"
    "X-Odd:   spacing   kept\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 5\r\n"
    "\r\n"
    "hello";

Message parse(std::string_view s) {
  auto m = parser::parse_datagram(s);
  EXPECT_TRUE(m) << m.error().to_string();
  return std::move(m).value();
}

TEST(Editor, NoEditsIsByteIdentical) {
  Message m = parse(kRequest);
  EXPECT_EQ(MessageEditor(m).serialize(), kRequest);
}

TEST(Editor, ProxyStyleEdits) {
  Message m = parse(kRequest);
  MessageEditor e(m);
  e.prepend("Via", "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKnew");
  e.remove(*m.first(HeaderId::Route));
  e.set_request_uri("sip:bob@192.0.2.7:5060");
  const std::string out = e.serialize();
  EXPECT_EQ(out,
            "INVITE sip:bob@192.0.2.7:5060 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKnew\r\n"
            "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP "
            "b.example.com;branch=z9hG4bK2\r\n"
            "Route: <sip:p2.example.com;lr>\r\n"
            "From:   \"A\"  <sip:a@example.com>;tag=9\r\n"
            "To: <sip:bob@example.com>\r\n"
            "Call-ID: c1\r\n"
            "CSeq: 1 INVITE\r\n"
            "X-Odd:   spacing   kept\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 5\r\n"
            "\r\n"
            "hello");
  auto again = parse(out);
  EXPECT_EQ(again.top_via()->branch(), "z9hG4bKnew");
}

TEST(Editor, RemovingOneListValueRewritesOnlyThatLine) {
  Message m = parse(kRequest);
  MessageEditor e(m);
  e.remove(*m.first(HeaderId::Via));  // pop our Via from a response-like path
  const std::string out = e.serialize();
  EXPECT_NE(out.find("Via: SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n"), std::string::npos);
  EXPECT_EQ(out.find("a.example.com"), std::string::npos);
  EXPECT_NE(out.find("From:   \"A\"  <sip:a@example.com>;tag=9\r\n"), std::string::npos);
}

TEST(Editor, BodyAndContentLengthAlwaysAgree) {
  Message m = parse(kRequest);
  MessageEditor e(m);
  e.set_body("v=0\r\n", "application/sdp");
  auto out = e.to_message();
  ASSERT_TRUE(out);
  EXPECT_EQ(out->body(), "v=0\r\n");
  EXPECT_EQ(*out->content_length(), 5u);
  EXPECT_TRUE(out->content_type()->is("application", "sdp"));
  EXPECT_EQ(out->count(HeaderId::ContentType), 1u);

  MessageEditor empty(m);
  empty.set_body("", "");
  auto none = empty.to_message();
  ASSERT_TRUE(none);
  EXPECT_EQ(none->body(), "");
  EXPECT_EQ(*none->content_length(), 0u);
  EXPECT_EQ(none->first(HeaderId::ContentType), nullptr);
}

TEST(Editor, WrongContentLengthIsCorrected) {
  // A stream-received message whose Content-Length we trust is re-written
  // from the actual body even when other headers change the size.
  Message m = parse("MESSAGE sip:a@b SIP/2.0\r\nl: 3\r\nCall-ID: x\r\n\r\nabc");
  MessageEditor e(m);
  e.replace(*m.first(HeaderId::CallId), "longer-call-id");
  e.append("Subject", "hi");
  EXPECT_EQ(e.serialize(),
            "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 3\r\nCall-ID: longer-call-id\r\nSubject: "
            "hi\r\n\r\nabc");
}

TEST(Editor, InsertBeforeAndRemoveAllByName) {
  Message m = parse(kRequest);
  MessageEditor e(m);
  e.insert_before(*m.first(HeaderId::CallId), "Record-Route", "<sip:me.example.com;lr>");
  e.remove_all("x-odd");
  e.remove_all(HeaderId::Route);
  const std::string out = e.serialize();
  EXPECT_NE(out.find("Record-Route: <sip:me.example.com;lr>\r\nCall-ID: c1\r\n"),
            std::string::npos);
  EXPECT_EQ(out.find("X-Odd"), std::string::npos);
  EXPECT_EQ(out.find("Route: <sip:p"), std::string::npos);
}

TEST(Editor, ResponseStatusAndMethodChange) {
  auto resp = parse(
      "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n");
  MessageEditor e(resp);
  e.set_status(183);
  EXPECT_EQ(e.serialize().substr(0, 30), "SIP/2.0 183 Session Progress\r\n");
  Message req = parse(kRequest);
  MessageEditor ack(req);
  ack.set_method("ACK");
  EXPECT_EQ(ack.serialize().substr(0, 35), "ACK sip:bob@example.com SIP/2.0\r\nVi");
}

TEST(Editor, PrependOnAMessageWithoutHeaders) {
  // Found by fuzz_datagram: prepended lines were lost when the source had no
  // header to anchor them to.
  Message m = parse("SIP/2.0 200\n\n");
  MessageEditor e(m);
  e.prepend("Via", "SIP/2.0/UDP h;branch=z9hG4bK1");
  e.append("Call-ID", "x");
  EXPECT_EQ(e.serialize(),
            "SIP/2.0 200\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: x\r\nContent-Length: "
            "0\r\n\r\n");
}

TEST(Builder, RequestFromParts) {
  auto m = MessageBuilder::request("OPTIONS", "sip:example.com")
               .header("Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx")
               .header("Call-ID", "abc")
               .body("text/plain", "hi")
               .build();
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(m->method(), Method::Options);
  EXPECT_EQ(m->body(), "hi");
  EXPECT_EQ(*m->content_length(), 2u);
  EXPECT_TRUE(m->content_type()->is("text", "plain"));
}

TEST(Builder, ResponseCopiesTransactionHeadersAndAddsToTag) {
  Message req = parse(kRequest);
  auto r = make_response(req, 486, {}, "totag1").header("Server", "sipsmith").build();
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->status(), 486);
  EXPECT_EQ(r->reason(), "Busy Here");
  EXPECT_EQ(r->count(HeaderId::Via), 2u);
  EXPECT_EQ(r->top_via()->branch(), "z9hG4bK1");
  EXPECT_EQ(r->to()->tag(), "totag1");
  EXPECT_EQ(r->from()->tag(), "9");
  EXPECT_EQ(r->call_id(), "c1");
  EXPECT_EQ(r->cseq()->number, 1u);
  EXPECT_EQ(r->first(HeaderId::Route), nullptr);
  EXPECT_EQ(*r->content_length(), 0u);
  // 100 Trying never gets a To tag.
  auto t = make_response(req, 100, {}, "totag1").build();
  EXPECT_EQ(t->to()->tag(), "");
}

}  // namespace
}  // namespace sip::msg
