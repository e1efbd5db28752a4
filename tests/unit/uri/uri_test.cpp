// parse_uri(): positive and negative tables, parameter/header access, bounds.
#include "sip/uri/uri.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace sip::uri {
namespace {

struct GoodCase {
  std::string_view text;
  Scheme scheme;
  std::string_view user;
  std::string_view password;
  bool has_password;
  std::string_view host;
  HostKind kind;
  int port;  // -1 = absent
  std::string_view params;
  std::string_view headers;
};

const GoodCase kGood[] = {
    // RFC 4475 3.1.1.6 (unusual) and 3.1.1.9 (semicolon in user).
    {"sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too."
     "(doesn't-it)@example.com",
     Scheme::Sip, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
     "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", true, "example.com", HostKind::Name, -1, "", ""},
    {"sip:user;par=u%40example.net@example.com", Scheme::Sip, "user;par=u%40example.net", "", false,
     "example.com", HostKind::Name, -1, "", ""},
    {"sip:%61lice@atlanta.com;transport=TCP", Scheme::Sip, "%61lice", "", false, "atlanta.com",
     HostKind::Name, -1, ";transport=TCP", ""},
    {"sip:null-%00-null@example.com", Scheme::Sip, "null-%00-null", "", false, "example.com",
     HostKind::Name, -1, "", ""},
    {"sip:vivekg@chair-dnrc.example.com;unknownparam", Scheme::Sip, "vivekg", "", false,
     "chair-dnrc.example.com", HostKind::Name, -1, ";unknownparam", ""},
    {"sip:services.example.com;lr;unknownwith=value;unknown-no-value", Scheme::Sip, "", "", false,
     "services.example.com", HostKind::Name, -1, ";lr;unknownwith=value;unknown-no-value", ""},
    {"sip:user@example.com?Route=%3Csip:example.com%3E", Scheme::Sip, "user", "", false,
     "example.com", HostKind::Name, -1, "", "Route=%3Csip:example.com%3E"},
    {"sip:[2001:db8::10]:5070", Scheme::Sip, "", "", false, "2001:db8::10", HostKind::IPv6, 5070,
     "", ""},
    {"sips:alice@192.0.2.4:5061;transport=tls", Scheme::Sips, "alice", "", false, "192.0.2.4",
     HostKind::IPv4, 5061, ";transport=tls", ""},
    {"sip:+13035551111@ift.client.example.net;user=phone", Scheme::Sip, "+13035551111", "", false,
     "ift.client.example.net", HostKind::Name, -1, ";user=phone", ""},
    {"SIP:ALICE@AtLanTa.CoM;Transport=udp", Scheme::Sip, "ALICE", "", false, "AtLanTa.CoM",
     HostKind::Name, -1, ";Transport=udp", ""},
    {"sip:alice:@host", Scheme::Sip, "alice", "", true, "host", HostKind::Name, -1, "", ""},
    {"sip:alice:secret@host:1", Scheme::Sip, "alice", "secret", true, "host", HostKind::Name, 1, "",
     ""},
    {"sip:host.example.com.:5060", Scheme::Sip, "", "", false, "host.example.com.", HostKind::Name,
     5060, "", ""},
    {"sip:_sip._udp.example.com", Scheme::Sip, "", "", false, "_sip._udp.example.com",
     HostKind::Name, -1, "", ""},
    {"sip:a@3com.com", Scheme::Sip, "a", "", false, "3com.com", HostKind::Name, -1, "", ""},
    {"sip:localhost", Scheme::Sip, "", "", false, "localhost", HostKind::Name, -1, "", ""},
    {"sip:[::ffff:192.0.2.1]:1", Scheme::Sip, "", "", false, "::ffff:192.0.2.1", HostKind::IPv6, 1,
     "", ""},
    {"sip:h:65535;maddr=[::1];x=%41?a=&b=c/d?e:f", Scheme::Sip, "", "", false, "h", HostKind::Name,
     65535, ";maddr=[::1];x=%41", "a=&b=c/d?e:f"},
    {"sip:h:00080", Scheme::Sip, "", "", false, "h", HostKind::Name, 80, "", ""},
    {"sip:host;maddr=a@b", Scheme::Sip, "host;maddr=a", "", false, "b", HostKind::Name, -1, "", ""},
    {"tel:+1-201-555-0123;phone-context=example.com", Scheme::Tel, "+1-201-555-0123", "", false, "",
     HostKind::None, -1, ";phone-context=example.com", ""},
    {"TEL:*67#(555)p1w2,AbC", Scheme::Tel, "*67#(555)p1w2,AbC", "", false, "", HostKind::None, -1,
     "", ""},
};

TEST(UriParse, GoodTable) {
  for (const auto& c : kGood) {
    SCOPED_TRACE(std::string(c.text));
    const auto r = parse_uri(c.text);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const UriView& v = *r;
    EXPECT_EQ(v.scheme, c.scheme);
    EXPECT_EQ(v.user, c.user);
    EXPECT_EQ(v.has_user, !c.user.empty());
    EXPECT_EQ(v.password, c.password);
    EXPECT_EQ(v.has_password, c.has_password);
    EXPECT_EQ(v.host, c.host);
    EXPECT_EQ(v.host_kind, c.kind);
    EXPECT_EQ(v.has_port, c.port >= 0);
    EXPECT_EQ(v.port, c.port >= 0 ? c.port : 0);
    EXPECT_EQ(v.params, c.params);
    EXPECT_EQ(v.headers, c.headers);
    EXPECT_EQ(v.text, c.text);
    EXPECT_TRUE(v.opaque.empty());
  }
}

TEST(UriParse, SchemeIsCaseInsensitiveAndKeptAsWritten) {
  const auto r = parse_uri("SiPs:h");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->scheme, Scheme::Sips);
  EXPECT_EQ(r->scheme_text, "SiPs");
  EXPECT_TRUE(r->is_sip());
  EXPECT_STREQ(scheme_name(Scheme::Sip), "sip");
  EXPECT_STREQ(scheme_name(Scheme::Sips), "sips");
  EXPECT_STREQ(scheme_name(Scheme::Tel), "tel");
  EXPECT_STREQ(scheme_name(Scheme::Other), "other");
}

TEST(UriParse, OtherSchemesAreOpaque) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"nobodyKnowsThisScheme:totallyopaquecontent", "totallyopaquecontent"},
      {"soap.beep://192.0.2.103:3002", "//192.0.2.103:3002"},
      {"isbn:2983792873", "2983792873"},
      {"http://www.example.com", "//www.example.com"},
      {"name:John_Smith", "John_Smith"},
      {"urn:x-a+b:%41#frag", "x-a+b:%41#frag"},
  };
  for (const auto& [text, opaque] : cases) {
    SCOPED_TRACE(std::string(text));
    const auto r = parse_uri(text);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->scheme, Scheme::Other);
    EXPECT_EQ(r->opaque, opaque);
    EXPECT_EQ(r->scheme_text, text.substr(0, text.find(':')));
    EXPECT_EQ(r->host_kind, HostKind::None);
    EXPECT_FALSE(r->is_sip());
  }
}

struct BadCase {
  std::string_view text;
  std::uint32_t offset;
};

const BadCase kBad[] = {
    {"<sip:user@example.com>", 0},
    {"sip:user@example.com; lr", 21},
    {"sip:", 4},
    {"sip:@", 4},
    {"sip:user@", 9},
    {"sip:host:99999", 9},
    {"sip:f:0", 6},  // port 0 is unusable (and Uri could not keep it)
    {"sip:host:65536", 9},
    {"sip:host:000080", 9},
    {"sip:host:", 9},
    {"sip:[::1", 4},
    {"sip:[1::2::3]", 5},
    {"sip:256.1.1.1", 4},
    {"sip:1.2.3", 4},
    {"sip:a@b;;x", 8},
    {"", 0},
    {" sip:a@b", 0},
    {"sip:a@b ", 7},
    {"sip:a@b\r\n", 7},
    {"sip:a@b\t", 7},
    {"sip:a@b>", 7},
    {"sip:a<b@c", 5},
    {"sip:host:5060x", 13},
    {"sip:a@b;x=", 10},
    {"sip:a@b;=x", 8},
    {"sip:a@b;x=a=b", 11},
    {"sip:a@b;x=a b", 11},
    {"sip:a@b?", 8},
    {"sip:a@b?x", 9},
    {"sip:a@b?=x", 8},
    {"sip:a@b?x=1&", 12},
    {"sip:a@b?x=1&&y=2", 12},
    {"sip:a%4@b", 5},
    {"sip:a%zz@b", 5},
    {"sip:a:p w@b", 7},
    {"sip:a@b%41", 7},
    {"sip:a@-b.com", 6},
    {"sip:a@b-.com", 7},
    {"sip:a@b..com", 8},
    {"sip:a@.b", 6},
    {"sip:a@host.123", 11},
    {"sip:a@host.123.", 11},
    {"sip:[1:2:3:4:5:6:7:8:9]", 5},
    {"sip:[::1]x", 9},
    {"sip:[::1%eth0]", 5},
    {"sip:[]", 5},
    {"sip::pw@host", 4},
    {"sip:a@b:", 8},
    {"sip:a@b:x", 8},
    {"sip:user name@host", 8},
    {"sip:a@b;lr\xff", 10},
    {"tel:", 4},
    {"tel:12x", 6},
    {"tel:123?x=1", 7},
    {"tel:123;;a", 8},
    {"isbn:", 5},
    {"http://exa mple.com", 10},
    {"x:a\"b", 3},
    {"x:%g0", 2},
    {"1sip:a", 0},
    {"sip", 3},
    {"si p:a", 2},
    {":a", 0},
};

TEST(UriParseError, BadTableWithOffsets) {
  for (const auto& c : kBad) {
    SCOPED_TRACE(std::string(c.text));
    const auto r = parse_uri(c.text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::bad_uri);
    EXPECT_EQ(r.error().offset, c.offset) << r.error().to_string();
    EXPECT_STRNE(r.error().detail, "");
  }
}

TEST(UriParseError, EmbeddedNulIsRejected) {
  const std::string text("sip:a\0b@c", 9);
  const auto r = parse_uri(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().offset, 5u);
}

// Every prefix of valid URIs, each in an exactly sized heap buffer so that
// ASan flags any read past the end of the view.
TEST(UriParseError, PrefixesNeverReadOutsideText) {
  for (const auto& c : kGood) {
    for (std::size_t n = 0; n <= c.text.size(); ++n) {
      auto buf = std::make_unique<char[]>(n == 0 ? 1 : n);
      std::memcpy(buf.get(), c.text.data(), n);
      const std::string_view view(buf.get(), n);
      const auto r = parse_uri(view);
      if (r.ok()) {
        EXPECT_EQ(r->text.data(), view.data());
        if (!r->host.empty()) {
          EXPECT_GE(r->host.data(), view.data());
          EXPECT_LE(r->host.data() + r->host.size(), view.data() + n);
        }
        EXPECT_LE(r->params.data() + r->params.size(), view.data() + n);
      } else {
        EXPECT_LE(r.error().offset, n);
      }
    }
  }
}

TEST(UriParse, PortBounds) {
  EXPECT_EQ(parse_uri("sip:h:1")->port, 1);
  EXPECT_EQ(parse_uri("sip:h:65535")->port, 65535);
  EXPECT_EQ(parse_uri("sip:[::1]:5060")->port, 5060);
  EXPECT_FALSE(parse_uri("sip:h:65536").ok());
  EXPECT_FALSE(parse_uri("sip:h:-1").ok());
  EXPECT_FALSE(parse_uri("sip:[::1]:").ok());
  EXPECT_FALSE(parse_uri("sip:h:1:2").ok());
}

TEST(UriParse, Ipv6Forms) {
  const std::string_view good[] = {"sip:[::]",
                                   "sip:[::1]",
                                   "sip:[1::]",
                                   "sip:[FE80::AbCd]",
                                   "sip:[1:2:3:4:5:6:7:8]",
                                   "sip:[1:2:3:4:5:6:1.2.3.4]",
                                   "sip:alice@[2001:db8::10]:5070;transport=tcp"};
  for (auto t : good) EXPECT_TRUE(parse_uri(t).ok()) << t;
  const std::string_view bad[] = {"sip:[:]",
                                  "sip:[:::]",
                                  "sip:[1:2]",
                                  "sip:[12345::]",
                                  "sip:[1:2:3:4::5:6:7:8]",
                                  "sip:[1:]",
                                  "sip:[:1]",
                                  "sip:[g::1]",
                                  "sip:[::1.2.3]",
                                  "sip:[::256.1.1.1]",
                                  "sip:[1:2:3:4:5:6:7:1.2.3.4]",
                                  "sip:::1",
                                  "sip:[::1]]"};
  for (auto t : bad) EXPECT_FALSE(parse_uri(t).ok()) << t;
}

TEST(UriParam, LookupFlagsValuesAndCase) {
  const auto r = parse_uri("sip:h;lr;Transport=TCP;maddr=[::1];x=%41;lr=dup");
  ASSERT_TRUE(r.ok());
  const UriView& v = *r;
  ASSERT_TRUE(v.param("lr").has_value());
  EXPECT_EQ(*v.param("lr"), "");  // flag; the first occurrence wins
  EXPECT_EQ(v.param("transport"), "TCP");
  EXPECT_EQ(v.param("TRANSPORT"), "TCP");
  EXPECT_EQ(v.param("maddr"), "[::1]");
  EXPECT_EQ(v.param("x"), "%41");  // still escaped
  EXPECT_TRUE(v.has_param("LR"));
  EXPECT_FALSE(v.has_param("l"));
  EXPECT_FALSE(v.has_param("transport=TCP"));

  std::vector<std::tuple<std::string, std::string, bool>> seen;
  v.for_each_param([&](const Param& p) {
    seen.emplace_back(std::string(p.name), std::string(p.value), p.has_value);
  });
  const std::vector<std::tuple<std::string, std::string, bool>> want = {{"lr", "", false},
                                                                        {"Transport", "TCP", true},
                                                                        {"maddr", "[::1]", true},
                                                                        {"x", "%41", true},
                                                                        {"lr", "dup", true}};
  EXPECT_EQ(seen, want);
}

TEST(UriParam, NoParams) {
  const auto r = parse_uri("sip:alice@h?lr=1");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_param("lr"));
  int calls = 0;
  r->for_each_param([&](const Param&) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(UriParam, NextParamWalksRawText) {
  std::string_view rest = ";a;;b=1;c=";
  Param p;
  ASSERT_TRUE(next_param(rest, p));
  EXPECT_EQ(p.name, "a");
  EXPECT_FALSE(p.has_value);
  ASSERT_TRUE(next_param(rest, p));
  EXPECT_EQ(p.name, "b");
  EXPECT_EQ(p.value, "1");
  ASSERT_TRUE(next_param(rest, p));
  EXPECT_EQ(p.name, "c");
  EXPECT_TRUE(p.has_value);
  EXPECT_EQ(p.value, "");
  EXPECT_FALSE(next_param(rest, p));
  EXPECT_FALSE(next_param(rest, p));
}

TEST(UriParam, PortOrDefault) {
  EXPECT_EQ(parse_uri("sip:h")->port_or_default(), 5060);
  EXPECT_EQ(parse_uri("sips:h")->port_or_default(), 5061);
  EXPECT_EQ(parse_uri("sip:h;transport=TLS")->port_or_default(), 5061);
  EXPECT_EQ(parse_uri("sip:h;transport=tcp")->port_or_default(), 5060);
  EXPECT_EQ(parse_uri("sips:h:1234")->port_or_default(), 1234);
}

TEST(UriHeaders, IterationInOrderStillEscaped) {
  const auto r = parse_uri("sip:h?subject=project%20x&priority=urgent&empty=&Route=%3Csip:a%3E");
  ASSERT_TRUE(r.ok());
  std::vector<std::pair<std::string, std::string>> seen;
  r->for_each_header([&](std::string_view n, std::string_view v) { seen.emplace_back(n, v); });
  const std::vector<std::pair<std::string, std::string>> want = {
      {"subject", "project%20x"}, {"priority", "urgent"}, {"empty", ""}, {"Route", "%3Csip:a%3E"}};
  EXPECT_EQ(seen, want);
}

TEST(UriHeaders, NextHeaderOnEmptyAndSingle) {
  std::string_view rest, n, v;
  EXPECT_FALSE(next_header(rest, n, v));
  rest = "a=b";
  ASSERT_TRUE(next_header(rest, n, v));
  EXPECT_EQ(n, "a");
  EXPECT_EQ(v, "b");
  EXPECT_TRUE(rest.empty());
  EXPECT_FALSE(next_header(rest, n, v));
}

}  // namespace
}  // namespace sip::uri
