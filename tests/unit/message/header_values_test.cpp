#include "sip/message/header_values.hpp"

#include <gtest/gtest.h>

namespace sip::msg {
namespace {

TEST(GenericParams, LwsAroundSeparatorsAndQuotedValues) {
  const std::string_view p = " ;   tag    = 1918181833n ; x=\"a;b\" ;flag";
  EXPECT_EQ(find_generic_param(p, "TAG"), "1918181833n");
  EXPECT_EQ(find_generic_param(p, "x"), "a;b");
  EXPECT_EQ(find_generic_param(p, "flag"), "");
  EXPECT_FALSE(find_generic_param(p, "missing"));
  EXPECT_TRUE(check_generic_params(p));
}

TEST(GenericParams, RejectsEmptyNamesAndJunk) {
  auto r = check_generic_params(";;");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().offset, 1u);
  EXPECT_FALSE(check_generic_params(";a=\"open"));
  EXPECT_FALSE(check_generic_params(" junk"));
  EXPECT_FALSE(check_generic_params(";a="));
  EXPECT_TRUE(check_generic_params(";received=[2001:db8::1]"));
}

TEST(NameAddr, QuotedDisplayWithEscapes) {
  auto na =
      parse_name_addr(R"("J Rosenberg \\\""       <sip:jdrosen@example.com>  ;  tag = 98asjd8)");
  ASSERT_TRUE(na) << na.error().to_string();
  EXPECT_TRUE(na->display_quoted);
  EXPECT_EQ(na->display, R"(J Rosenberg \\\")");
  EXPECT_EQ(unquote(na->display), R"(J Rosenberg \")");
  EXPECT_EQ(na->uri.user, "jdrosen");
  EXPECT_EQ(na->tag(), "98asjd8");
  EXPECT_TRUE(na->bracketed);
}

TEST(NameAddr, AddrSpecParamsBelongToTheHeader) {
  auto na = parse_name_addr("sip:user@example.com;tag=abc;lr");
  ASSERT_TRUE(na);
  EXPECT_FALSE(na->bracketed);
  EXPECT_EQ(na->uri.host, "example.com");
  EXPECT_TRUE(na->uri.params.empty());
  EXPECT_EQ(na->tag(), "abc");
  EXPECT_EQ(na->param("lr"), "");
}

TEST(NameAddr, UnquotedDisplayAndNoSpaceBeforeAngle) {
  auto na = parse_name_addr("caller<sip:caller@example.com>;tag=323");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->display, "caller");
  auto tokens = parse_name_addr("token1~` token2'+_ token3*%!.- <sip:mundane@example.com>");
  ASSERT_TRUE(tokens);
  EXPECT_EQ(tokens->display, "token1~` token2'+_ token3*%!.-");
}

TEST(NameAddr, Rejections) {
  EXPECT_FALSE(parse_name_addr(R"("Mr. J. User <sip:j.user@example.com>)"));           // quotbal
  EXPECT_FALSE(parse_name_addr("Bell, Alexander <sip:a.g.bell@example.com>;tag=43"));  // baddn
  EXPECT_FALSE(parse_name_addr("\"Joe\" <sip:joe@example.org>;;;;"));                  // badinv01
  EXPECT_FALSE(parse_name_addr("<sip:joe@example.org"));
  EXPECT_FALSE(parse_name_addr(""));
  auto e = parse_name_addr("\"Joe\" sip:joe@example.org");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().offset, 6u);
}

TEST(NameAddr, UnknownSchemesParse) {
  auto a = parse_name_addr("isbn:2983792873");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->uri.scheme, uri::Scheme::Other);
  auto b = parse_name_addr("<http://www.example.com>;tag=3234233");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->tag(), "3234233");
}

TEST(Contact, StarExpiresAndQ) {
  auto star = parse_contact(" * ");
  ASSERT_TRUE(star);
  EXPECT_TRUE(star->star);
  auto c = parse_contact(
      "\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =  newvalue ;  secondparam "
      "; q = 0.33");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->q(), "0.33");
  EXPECT_EQ(c->addr.param("newparam"), "newvalue");
  EXPECT_FALSE(c->expires());
  auto e = parse_contact("<sip:a@b>;expires=3600");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->expires(), 3600u);
  EXPECT_FALSE(parse_contact("<sip:user@host129.example.com>  ;expires=280297596632815"));
}

TEST(Via, LwsEverywhere) {
  auto v = parse_via("SIP  /   2.0   /UDP     192.0.2.2;branch=390skdjuw");
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(v->protocol, "SIP");
  EXPECT_EQ(v->version, "2.0");
  EXPECT_EQ(v->transport, "UDP");
  EXPECT_EQ(v->host, "192.0.2.2");
  EXPECT_EQ(v->host_kind, uri::HostKind::IPv4);
  EXPECT_EQ(v->branch(), "390skdjuw");
  EXPECT_FALSE(v->has_cookie());
}

TEST(Via, PortRportReceivedIpv6) {
  auto v = parse_via("SIP/2.0/TCP [2001:db8::9]:5070 ;branch=z9hG4bK776;rport;received=192.0.2.9");
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(v->host, "2001:db8::9");
  EXPECT_EQ(v->host_kind, uri::HostKind::IPv6);
  EXPECT_EQ(v->port, 5070);
  EXPECT_TRUE(v->has_cookie());
  ASSERT_TRUE(v->rport());
  EXPECT_EQ(*v->rport(), "");
  EXPECT_EQ(v->received(), "192.0.2.9");
  auto n = parse_via("SIP/2.0/UDP host.example.com : 5060");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->port, 5060);
  EXPECT_FALSE(n->rport());
}

TEST(Via, Rejections) {
  EXPECT_FALSE(parse_via("SIP/2.0/UDP 192.0.2.15;;"));
  EXPECT_FALSE(parse_via("SIP/2.0 192.0.2.15"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP host:0"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP host:70000"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP [::1"));
  EXPECT_FALSE(parse_via(""));
}

TEST(CSeq, NumberAndMethod) {
  auto c = parse_cseq("0009    INVITE");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->number, 9u);
  EXPECT_EQ(c->method, Method::Invite);
  auto u = parse_cseq("1 !interesting-Method0123456789_*+`.%indeed'~");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->method, Method::Unknown);
  EXPECT_EQ(parse_cseq("2147483647 ACK")->number, 2147483647u);
  EXPECT_EQ(parse_cseq("2147483648 ACK").error().code, Errc::out_of_range);
  EXPECT_EQ(parse_cseq("36893488147419103232 REGISTER").error().code, Errc::out_of_range);
  EXPECT_FALSE(parse_cseq("INVITE"));
  EXPECT_FALSE(parse_cseq("12INVITE"));
  EXPECT_FALSE(parse_cseq("12"));
}

TEST(Scalars, DeltaSecondsAndMaxForwards) {
  EXPECT_EQ(*parse_delta_seconds("4294967295"), 4294967295u);
  EXPECT_EQ(parse_delta_seconds("4294967296").error().code, Errc::out_of_range);
  EXPECT_EQ(parse_delta_seconds("12a").error().code, Errc::bad_value);
  EXPECT_EQ(parse_delta_seconds("-1").error().code, Errc::bad_value);
  EXPECT_EQ(*parse_max_forwards(" 0068 "), 68u);
  EXPECT_EQ(parse_max_forwards("300").error().code, Errc::out_of_range);
  EXPECT_EQ(parse_max_forwards("").error().code, Errc::bad_value);
}

TEST(MediaTypeTest, TypeSubtypeParams) {
  auto m = parse_media_type("multipart/mixed;boundary=7a9cbec02ceef655");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->is("Multipart", "MIXED"));
  EXPECT_EQ(find_generic_param(m->params, "boundary"), "7a9cbec02ceef655");
  EXPECT_TRUE(parse_media_type("application / sdp"));
  EXPECT_FALSE(parse_media_type("application"));
  EXPECT_FALSE(parse_media_type("application/"));
}

TEST(Auth, DigestCredentials) {
  auto a = parse_auth(
      "Digest username=\"alice\", realm=\"example.com\", nonce=\"abc, def\", "
      "uri=\"sip:example.com\", "
      "response=\"0123\", algorithm=SHA-256, qop=auth, nc=00000001, cnonce=\"xyz\"");
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(a->scheme, "Digest");
  EXPECT_EQ(a->param("USERNAME"), "alice");
  EXPECT_EQ(a->param("nonce"), "abc, def");
  EXPECT_EQ(a->param("algorithm"), "SHA-256");
  EXPECT_EQ(a->param("nc"), "00000001");
  EXPECT_FALSE(a->param("opaque"));
  EXPECT_FALSE(parse_auth("Digest realm"));
  EXPECT_FALSE(parse_auth("Digest realm=\"open"));
  EXPECT_FALSE(parse_auth(""));
}

TEST(ReplacesAndReason, Parse) {
  auto r = parse_replaces("98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff;early-only");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->call_id, "98732@sip.example.com");
  EXPECT_EQ(r->from_tag, "r33th4x0r");
  EXPECT_EQ(r->to_tag, "ff87ff");
  EXPECT_TRUE(r->early_only);
  EXPECT_FALSE(parse_replaces("abc;to-tag=1"));
  auto q = parse_reason("Q.850 ;cause=16 ;text=\"Terminated\"");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->protocol, "Q.850");
  EXPECT_EQ(q->cause, 16u);
  EXPECT_EQ(q->text, "Terminated");
  EXPECT_FALSE(parse_reason("SIP;cause=abc"));
}

}  // namespace
}  // namespace sip::msg
