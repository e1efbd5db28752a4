// Beyond the reaction: for the valid RFC 4475 messages, check that the parser
// understood them the way section 3.1.1 says (the semantics each message
// exists to test). Reads the shared corpus like rfc4475_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "corpus.hpp"
#include "sip/message/message.hpp"
#include "sip/parser/parse.hpp"
#include "sip/uri/escape.hpp"

namespace {

using sip::msg::HeaderField;
using sip::msg::HeaderId;
using sip::msg::Message;

Message load(const char* name) {
  std::string s = sip::testing::read_corpus_file(name);
  EXPECT_FALSE(s.empty()) << "missing corpus file " << (sip::testing::corpus_dir() / name);
  auto m = sip::parser::parse_datagram(std::move(s));
  EXPECT_TRUE(m) << name << ": " << m.error().to_string();
  return m ? std::move(m).value() : Message{};
}

std::vector<std::string_view> via_hosts(const Message& m) {
  std::vector<std::string_view> out;
  m.for_each(HeaderId::Via, [&](const HeaderField& f) {
    auto v = m.via_at(f);
    out.push_back(v ? v->host : std::string_view("<bad>"));
  });
  return out;
}

TEST(Rfc4475Details, Wsinv) {
  const Message m = load("wsinv.dat");
  EXPECT_EQ(m.to()->uri.user, "vivekg");
  EXPECT_EQ(m.to()->tag(), "1918181833n");
  EXPECT_EQ(m.from()->display, R"(J Rosenberg \\\")");
  EXPECT_EQ(m.from()->tag(), "98asjd8");
  EXPECT_EQ(*m.max_forwards(), 68u);
  EXPECT_EQ(m.cseq()->number, 9u);
  EXPECT_EQ(m.cseq()->method, sip::msg::Method::Invite);
  EXPECT_EQ(via_hosts(m),
            (std::vector<std::string_view>{"192.0.2.2", "spindle.example.com", "192.168.255.111"}));
  std::vector<std::string_view> branches;
  m.for_each(HeaderId::Via,
             [&](const HeaderField& f) { branches.push_back(m.via_at(f)->branch()); });
  EXPECT_EQ(branches[2], "z9hG4bK30239");
  auto contact = m.contact_at(*m.first(HeaderId::Contact));
  ASSERT_TRUE(contact);
  EXPECT_EQ(contact->q(), "0.33");
  EXPECT_EQ(contact->addr.param("newparam"), "newvalue");
  EXPECT_EQ(m.value(HeaderId::Subject), "");
  EXPECT_TRUE(m.name_addr_at(*m.first(HeaderId::Route))->uri.has_param("lr"));
  EXPECT_EQ(m.body().size(), *m.content_length());
}

TEST(Rfc4475Details, Intmeth) {
  const Message m = load("intmeth.dat");
  EXPECT_EQ(m.method(), sip::msg::Method::Unknown);
  EXPECT_EQ(m.method_token(), "!interesting-Method0123456789_*+`.%indeed'~");
  EXPECT_EQ(m.cseq()->method_token, m.method_token());
  auto ruri = m.request_uri();
  ASSERT_TRUE(ruri);
  EXPECT_EQ(ruri->user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  EXPECT_EQ(ruri->password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  EXPECT_EQ(m.from()->tag(), "_token~1'+`*%!-.");
}

TEST(Rfc4475Details, Esc01EscapesCompareEqual) {
  const Message m = load("esc01.dat");
  EXPECT_TRUE(sip::uri::escaped_equal(m.to()->uri.user, "user", false));
  EXPECT_EQ(sip::uri::unescape(m.from()->uri.user), "I have spaces");
  EXPECT_EQ(sip::uri::unescape(m.request_uri()->user), "sips:user@example.com");
}

TEST(Rfc4475Details, EscnullKeepsNul) {
  const Message m = load("escnull.dat");
  EXPECT_EQ(sip::uri::unescape(m.to()->uri.user), std::string("null-\0-null", 11));
  EXPECT_EQ(m.count(HeaderId::Contact), 2u);
}

TEST(Rfc4475Details, Esc02PercentIsLiteralInTokens) {
  const Message m = load("esc02.dat");
  EXPECT_EQ(m.method(), sip::msg::Method::Unknown);
  EXPECT_EQ(m.count(HeaderId::Contact), 2u);  // "C%6Fntact" is another header
  ASSERT_NE(m.find("C%6Fntact"), nullptr);
}

TEST(Rfc4475Details, DblreqOnlyFirstMessage) {
  const Message m = load("dblreq.dat");
  EXPECT_EQ(m.method(), sip::msg::Method::Register);
  EXPECT_EQ(m.body(), "");
  EXPECT_EQ(m.bytes().find("INVITE"), std::string_view::npos);
}

TEST(Rfc4475Details, SemiuriUserKeepsSemicolon) {
  const Message m = load("semiuri.dat");
  EXPECT_EQ(m.request_uri()->user, "user;par=u%40example.net");
  EXPECT_EQ(m.request_uri()->host, "example.com");
  EXPECT_EQ(m.count(HeaderId::Accept), 6u);
}

TEST(Rfc4475Details, TransportsAndLongreq) {
  const Message t = load("transports.dat");
  std::vector<std::string_view> transports;
  t.for_each(HeaderId::Via,
             [&](const HeaderField& f) { transports.push_back(t.via_at(f)->transport); });
  EXPECT_EQ(transports, (std::vector<std::string_view>{"UDP", "SCTP", "TLS", "UNKNOWN", "TCP"}));
  const Message l = load("longreq.dat");
  EXPECT_GE(l.count(HeaderId::Via), 34u);
  EXPECT_EQ(l.body().size(), *l.content_length());
}

TEST(Rfc4475Details, Mpart01BodyIntact) {
  const Message m = load("mpart01.dat");
  EXPECT_EQ(m.body().size(), 553u);
  EXPECT_TRUE(m.content_type()->is("multipart", "mixed"));
}

TEST(Rfc4475Details, ResponsesWithOddReasons) {
  const Message u = load("unreason.dat");
  EXPECT_EQ(u.status(), 200);
  EXPECT_TRUE(u.reason().starts_with("= 2**3 * 5**2 "));
  const Message n = load("noreason.dat");
  EXPECT_EQ(n.status(), 100);
  EXPECT_EQ(n.reason(), "");
}

TEST(Rfc4475Details, Badbranch2543) {
  const Message m = load("badbranch.dat");
  EXPECT_EQ(m.top_via()->branch(), "z9hG4bK");  // cookie only: RFC 2543 matching
  const Message i = load("inv2543.dat");
  EXPECT_EQ(i.top_via()->branch(), "");
  EXPECT_EQ(i.max_forwards().error().code, sip::Errc::not_found);
}

TEST(Rfc4475Details, Unksm2OtherSchemes) {
  const Message m = load("unksm2.dat");
  EXPECT_EQ(m.to()->uri.scheme, sip::uri::Scheme::Other);
  EXPECT_EQ(m.from()->uri.scheme, sip::uri::Scheme::Other);
  EXPECT_EQ(m.contact_at(*m.first(HeaderId::Contact))->addr.uri.scheme, sip::uri::Scheme::Other);
}

}  // namespace
