// The owning Uri: construction from a view, edits and serialisation.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "sip/uri/uri.hpp"

namespace sip::uri {
namespace {

Uri must_parse(std::string_view text) {
  auto r = Uri::parse(text);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? std::move(r).value() : Uri();
}

TEST(UriOwning, RoundTripsCanonicalText) {
  const std::string_view cases[] = {
      "sip:alice@example.com",
      "sips:alice:secret@192.0.2.4:5061;transport=tls",
      "sip:alice:@host",
      "sip:[2001:db8::10]:5070",
      "sip:services.example.com;lr;unknownwith=value;unknown-no-value",
      "sip:user;par=u%40example.net@example.com",
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too."
      "(doesn't-it)@example.com",
      "sip:user@example.com?Route=%3Csip:example.com%3E",
      "sip:h?subject=project%20x&priority=urgent&empty=",
      "sip:h;maddr=[::1];x=%41",
      "tel:+1-201-555-0123;phone-context=example.com",
      "isbn:2983792873",
      "soap.beep://192.0.2.103:3002",
  };
  for (auto text : cases) EXPECT_EQ(must_parse(text).to_string(), text);
}

TEST(UriOwning, SchemeIsLowerCased) {
  EXPECT_EQ(must_parse("SIP:ALICE@AtLanTa.CoM;Transport=udp").to_string(),
            "sip:ALICE@AtLanTa.CoM;Transport=udp");
  EXPECT_EQ(must_parse("nobodyKnowsThisScheme:totallyopaquecontent").to_string(),
            "nobodyknowsthisscheme:totallyopaquecontent");
  EXPECT_EQ(must_parse("TEL:123").to_string(), "tel:123");
}

TEST(UriOwning, CopiesComponentsFromView) {
  const Uri u = must_parse("sips:%61lice:pw@[::1]:5070;lr;transport=TCP?a=1&b=");
  EXPECT_EQ(u.scheme(), Scheme::Sips);
  EXPECT_EQ(u.user(), "%61lice");
  EXPECT_EQ(u.password(), "pw");
  EXPECT_EQ(u.host(), "::1");
  EXPECT_EQ(u.host_kind(), HostKind::IPv6);
  EXPECT_EQ(u.port(), 5070);
  ASSERT_EQ(u.params().size(), 2u);
  EXPECT_EQ(u.params()[0].first, "lr");
  EXPECT_FALSE(u.params()[0].second.has_value());
  EXPECT_EQ(u.params()[1].first, "transport");
  EXPECT_EQ(u.params()[1].second, "TCP");
  ASSERT_EQ(u.headers().size(), 2u);
  EXPECT_EQ(u.headers()[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(u.headers()[1], (std::pair<std::string, std::string>{"b", ""}));
  EXPECT_EQ(u.param("LR"), std::string());
  EXPECT_EQ(u.param("Transport"), "TCP");
  EXPECT_EQ(u.param("ttl"), std::nullopt);
}

TEST(UriOwning, ParseErrorKeepsOffset) {
  const auto r = Uri::parse("sip:a@b;;x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::bad_uri);
  EXPECT_EQ(r.error().offset, 8u);
}

TEST(UriOwning, SetParamReplacesCaseInsensitivelyOrAppends) {
  Uri u = must_parse("sip:a@h;transport=udp;lr");
  u.set_param("Transport", "tcp");
  EXPECT_EQ(u.to_string(), "sip:a@h;Transport=tcp;lr");
  u.set_param("ob", std::nullopt);
  EXPECT_EQ(u.to_string(), "sip:a@h;Transport=tcp;lr;ob");
  u.set_param("lr", "on");
  EXPECT_EQ(u.to_string(), "sip:a@h;Transport=tcp;lr=on;ob");
  u.set_param("lr", std::nullopt);
  EXPECT_EQ(u.param("lr"), std::string());
  EXPECT_EQ(u.params().size(), 3u);
}

TEST(UriOwning, RemoveParam) {
  Uri u = must_parse("sip:a@h;lr;x=1;LR=2");
  u.remove_param("Lr");
  EXPECT_EQ(u.to_string(), "sip:a@h;x=1");
  u.remove_param("absent");
  EXPECT_EQ(u.to_string(), "sip:a@h;x=1");
  u.remove_param("x");
  EXPECT_EQ(u.to_string(), "sip:a@h");
}

TEST(UriOwning, SetHostClassifies) {
  Uri u = must_parse("sip:a@h:5060");
  u.set_host("[::1]");
  EXPECT_EQ(u.host(), "::1");
  EXPECT_EQ(u.host_kind(), HostKind::IPv6);
  EXPECT_EQ(u.to_string(), "sip:a@[::1]:5060");
  u.set_host("2001:db8::1");
  EXPECT_EQ(u.host_kind(), HostKind::IPv6);
  EXPECT_EQ(u.to_string(), "sip:a@[2001:db8::1]:5060");
  u.set_host("192.0.2.1");
  EXPECT_EQ(u.host_kind(), HostKind::IPv4);
  EXPECT_EQ(u.to_string(), "sip:a@192.0.2.1:5060");
  u.set_host("example.com");
  EXPECT_EQ(u.host_kind(), HostKind::Name);
  u.set_host("");
  EXPECT_EQ(u.host_kind(), HostKind::None);
}

TEST(UriOwning, SetPortZeroRemovesPort) {
  Uri u = must_parse("sip:a@h:5070;lr");
  u.set_port(0);
  EXPECT_EQ(u.port(), 0);
  EXPECT_EQ(u.to_string(), "sip:a@h;lr");
  u.set_port(65535);
  EXPECT_EQ(u.to_string(), "sip:a@h:65535;lr");
}

TEST(UriOwning, UserAndPasswordEdits) {
  Uri u = must_parse("sip:a:pw@h");
  u.set_password("");
  EXPECT_EQ(u.to_string(), "sip:a@h");
  u.set_password("new");
  EXPECT_EQ(u.to_string(), "sip:a:new@h");
  u.set_user("bob%20b");
  EXPECT_EQ(u.to_string(), "sip:bob%20b:new@h");
  u.set_user("");  // also drops the password
  EXPECT_EQ(u.password(), "");
  EXPECT_EQ(u.to_string(), "sip:h");
}

TEST(UriOwning, BuildFromScratchAndEditSchemeAndHeaders) {
  Uri u;
  EXPECT_EQ(u.scheme(), Scheme::Sip);
  u.set_user("alice");
  u.set_host("example.com");
  u.set_port(5070);
  u.set_param("transport", "tcp");
  EXPECT_EQ(u.to_string(), "sip:alice@example.com:5070;transport=tcp");
  u.set_scheme(Scheme::Sips);
  EXPECT_EQ(u.to_string(), "sips:alice@example.com:5070;transport=tcp");

  Uri h = must_parse("sip:h?a=1&b=2");
  h.clear_headers();
  EXPECT_TRUE(h.headers().empty());
  EXPECT_EQ(h.to_string(), "sip:h");

  std::string out = "To: <";
  must_parse("sip:bob@biloxi.com").append_to(out);
  out += '>';
  EXPECT_EQ(out, "To: <sip:bob@biloxi.com>");
}

TEST(UriOwning, OutputReparsesEqual) {
  const std::string_view cases[] = {"sip:%61lice@atlanta.com;transport=TCP",
                                    "sips:a:b@[::1]:1;x;y=2?h=v", "tel:+1-555;ext=1"};
  for (auto text : cases) {
    const std::string s = must_parse(text).to_string();
    const auto a = parse_uri(text);
    const auto b = parse_uri(s);
    ASSERT_TRUE(a.ok() && b.ok()) << s;
    EXPECT_TRUE(uri_equal(*a, *b)) << s;
  }
}

}  // namespace
}  // namespace sip::uri
