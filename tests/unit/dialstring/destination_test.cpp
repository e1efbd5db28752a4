// parse_destination(): the reference's leg forms, the "no user part => called
// number" rule, URI parts kept, IPv6, <...>, errors with offsets.
#include "sip/dialstring/destination.hpp"

#include <gtest/gtest.h>

namespace sip::dialstring {
namespace {

Destination ok(std::string_view text, std::string_view called = "5551234") {
  auto r = parse_destination(text, called);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error().to_string();
  return r.ok() ? *r : Destination{};
}

Error err(std::string_view text) {
  auto r = parse_destination(text, "1");
  EXPECT_FALSE(r.ok()) << text;
  return r.error();
}

TEST(DialStringDestination, UserAtProvider) {
  const Destination d = ok("123@provider1");
  EXPECT_EQ(d.scheme, "");
  EXPECT_EQ(d.user, "123");
  EXPECT_FALSE(d.user_is_called_number);
  EXPECT_EQ(d.host, "provider1");
  EXPECT_FALSE(d.port);
  EXPECT_EQ(d.uri(), "sip:123@provider1");
  EXPECT_FALSE(host_has_dot(d.host));
}

TEST(DialStringDestination, BareNameUsesCalledNumber) {
  const Destination d = ok("gizmo");
  EXPECT_EQ(d.user, "5551234");
  EXPECT_TRUE(d.user_is_called_number);
  EXPECT_EQ(d.host, "gizmo");
  EXPECT_EQ(d.uri(), "sip:5551234@gizmo");
  // Same with an empty user before '@', and with a port.
  EXPECT_TRUE(ok("@gizmo").user_is_called_number);
  const Destination p = ok("pbx.example.com:5070");
  EXPECT_EQ(p.user, "5551234");
  EXPECT_EQ(p.port, 5070);
  EXPECT_EQ(p.uri(), "sip:5551234@pbx.example.com:5070");
}

TEST(DialStringDestination, SipSchemeWithoutUserKeepsNoUser) {
  const Destination d = ok("sip:sip.blueface.ie");
  EXPECT_EQ(d.user, "");
  EXPECT_FALSE(d.user_is_called_number);
  EXPECT_EQ(d.uri(), "sip:sip.blueface.ie");
  EXPECT_FALSE(ok("SIPS:h.example").user_is_called_number);
}

TEST(DialStringDestination, ReferenceExamples) {
  Destination d = ok("music@iptel.org");
  EXPECT_EQ(d.user, "music");
  EXPECT_EQ(d.host, "iptel.org");
  EXPECT_TRUE(host_has_dot(d.host));
  d = ok("sip:303@sip.blueface.ie");
  EXPECT_EQ(d.scheme, "sip");
  EXPECT_EQ(d.user, "303");
  EXPECT_EQ(d.host, "sip.blueface.ie");
  EXPECT_EQ(d.uri(), "sip:303@sip.blueface.ie");
  d = ok("300@blueface");
  EXPECT_EQ(d.user, "300");
  EXPECT_EQ(d.host, "blueface");
}

TEST(DialStringDestination, UriPartsKept) {
  const Destination d = ok("SIP:alice@atlanta.com:5080;transport=tcp;lr?subject=hi&x=1");
  EXPECT_EQ(d.scheme, "sip");
  EXPECT_EQ(d.user, "alice");
  EXPECT_EQ(d.host, "atlanta.com");
  EXPECT_EQ(d.port, 5080);
  EXPECT_EQ(d.params, ";transport=tcp;lr");
  EXPECT_EQ(d.headers, "subject=hi&x=1");
  EXPECT_EQ(d.uri(), "sip:alice@atlanta.com:5080;transport=tcp;lr?subject=hi&x=1");
  // The user part may hold ';' and '?' (RFC 4475 3.1.1.9 style).
  const Destination u = ok("sip:user;par=u%40example.net@example.com");
  EXPECT_EQ(u.user, "user;par=u%40example.net");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.params, "");
  EXPECT_EQ(ok("*100@local").user, "*100");
  EXPECT_EQ(ok("#21#@local").user, "#21#");
}

TEST(DialStringDestination, AngleBracketsUnwrapped) {
  const Destination d = ok("  <sip:a@b.example?x=1&y=2>  ");
  EXPECT_EQ(d.user, "a");
  EXPECT_EQ(d.headers, "x=1&y=2");
  EXPECT_EQ(err("Bob <sip:a@b>").code, Errc::bad_uri);
  EXPECT_EQ(err("<sip:a@b>x").code, Errc::bad_uri);
  EXPECT_EQ(err("<>").code, Errc::bad_uri);
}

TEST(DialStringDestination, Ipv6) {
  const Destination d = ok("sip:1@[2001:db8::1]:5061;transport=tls");
  EXPECT_EQ(d.host, "[2001:db8::1]");
  EXPECT_TRUE(host_is_ipv6(d.host));
  EXPECT_EQ(d.port, 5061);
  EXPECT_EQ(d.uri(), "sip:1@[2001:db8::1]:5061;transport=tls");
  EXPECT_EQ(ok("[::1]").user, "5551234");
  EXPECT_FALSE(host_is_ipv6("example.com"));
  EXPECT_EQ(err("sip:1@[zz::1]").code, Errc::bad_uri);
  EXPECT_EQ(err("sip:1@[::1]x").code, Errc::bad_uri);
}

TEST(DialStringDestination, Tel) {
  const Destination d = ok("tel:+1-201-555-0123;ext=42");
  EXPECT_EQ(d.scheme, "tel");
  EXPECT_EQ(d.user, "+1-201-555-0123");
  EXPECT_EQ(d.params, ";ext=42");
  EXPECT_EQ(d.host, "");
  EXPECT_EQ(d.uri(), "tel:+1-201-555-0123;ext=42");
  EXPECT_EQ(err("tel:").code, Errc::bad_uri);
}

TEST(DialStringDestination, ErrorsWithOffsets) {
  Error e = err("");
  EXPECT_EQ(e.code, Errc::bad_uri);
  e = err("123@");
  EXPECT_EQ(e.code, Errc::bad_uri);
  EXPECT_EQ(e.offset, 4U);
  e = err("123@prov ider");
  EXPECT_EQ(e.code, Errc::bad_uri);
  EXPECT_EQ(e.offset, 8U);
  e = err("a b@host");
  EXPECT_EQ(e.offset, 1U);
  EXPECT_EQ(err("sip:").code, Errc::bad_uri);
  EXPECT_EQ(err("h:0").code, Errc::bad_uri);
  EXPECT_EQ(err("h:65536").code, Errc::bad_uri);
  e = err("h:50x");
  EXPECT_EQ(e.offset, 2U);
  EXPECT_EQ(err("a@h;x=\"y\"").code, Errc::bad_uri);
  EXPECT_EQ(err("a@h?x=<y>").code, Errc::bad_uri);
  e = err("  sip:a@h,b");
  EXPECT_EQ(e.code, Errc::bad_uri);
  EXPECT_EQ(e.offset, 9U);
}

}  // namespace
}  // namespace sip::dialstring
