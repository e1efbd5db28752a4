// parse() / to_string(): stages, legs, options, separators inside [...],
// <...> and quotes, empty parts, legacy form, limits, substitution first.
#include "sip/dialstring/dialstring.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip/dialstring/destination.hpp"
#include "sip/dialstring/substitute.hpp"

namespace sip::dialstring {
namespace {

Parsed ok(std::string_view text, const ParseSettings& s = {}) {
  auto r = parse(text, s);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error().to_string();
  return r.ok() ? *r : Parsed{};
}

Error err(std::string_view text, const ParseSettings& s = {}) {
  auto r = parse(text, s);
  EXPECT_FALSE(r.ok()) << text;
  return r.error();
}

// "a@b[x]&c|d" style summary of the destinations and raw options.
std::vector<std::vector<std::string>> shape(const DialString& d) {
  std::vector<std::vector<std::string>> out;
  for (const auto& s : d.stages) {
    out.emplace_back();
    for (const auto& l : s.legs)
      out.back().push_back(l.raw_options.empty() ? l.destination
                                                 : l.destination + "[" + l.raw_options + "]");
  }
  return out;
}

using Shape = std::vector<std::vector<std::string>>;

TEST(DialStringParse, ReferenceMultiStageExample) {
  const Parsed p = ok("123@provider1&456@provider2[dt=5]|789@provider3");
  EXPECT_FALSE(p.legacy);
  EXPECT_TRUE(p.notes.empty());
  ASSERT_EQ(p.dial.stages.size(), 2U);
  ASSERT_EQ(p.dial.stages[0].legs.size(), 2U);
  EXPECT_EQ(p.dial.stages[0].legs[0].destination, "123@provider1");
  EXPECT_FALSE(p.dial.stages[0].legs[0].options.delay);
  EXPECT_EQ(p.dial.stages[0].legs[1].destination, "456@provider2");
  EXPECT_EQ(p.dial.stages[0].legs[1].options.delay, 5U);
  EXPECT_EQ(p.dial.stages[0].legs[1].raw_options, "dt=5");
  EXPECT_EQ(p.dial.stages[1].legs[0].destination, "789@provider3");
  EXPECT_EQ(to_string(p.dial), "123@provider1&456@provider2[dt=5]|789@provider3");
}

TEST(DialStringParse, ReferenceSingleLegExamples) {
  Parsed p = ok("300@blueface[fu=anon]");
  ASSERT_EQ(p.dial.stages.size(), 1U);
  EXPECT_EQ(p.dial.stages[0].legs[0].destination, "300@blueface");
  EXPECT_EQ(p.dial.stages[0].legs[0].options.from_user, "anon");
  EXPECT_EQ(shape(ok("music@iptel.org").dial), (Shape{{"music@iptel.org"}}));
  EXPECT_EQ(shape(ok("sip:303@sip.blueface.ie").dial), (Shape{{"sip:303@sip.blueface.ie"}}));
  EXPECT_EQ(shape(ok("gizmo").dial), (Shape{{"gizmo"}}));
}

TEST(DialStringParse, SubstitutionThenParse) {
  const SubstitutionContext c{"100", "Joe", "joe", "joe@example.com"};
  auto text = substitute("${dst}@local[fu=${fromuriuser}]", c);
  ASSERT_TRUE(text.ok());
  const Parsed p = ok(*text);
  ASSERT_EQ(p.dial.stages.size(), 1U);
  EXPECT_EQ(p.dial.stages[0].legs[0].destination, "100@local");
  EXPECT_EQ(p.dial.stages[0].legs[0].options.from_user, "joe");
  // A hostile request-URI user cannot add a leg or an option.
  const SubstitutionContext evil{"1&0900@premium", "x", "a,tr=p", ""};
  auto evil_text = substitute("${dst}@local[fu=${fromuriuser}]", evil);
  ASSERT_TRUE(evil_text.ok());
  const Parsed q = ok(*evil_text);
  ASSERT_EQ(q.dial.stages.size(), 1U);
  ASSERT_EQ(q.dial.stages[0].legs.size(), 1U);
  EXPECT_EQ(q.dial.stages[0].legs[0].destination, "1%260900@premium@local");
  EXPECT_EQ(q.dial.stages[0].legs[0].options.transfer, TransferMode::None);
  EXPECT_EQ(q.dial.stages[0].legs[0].options.from_user, "a%2Ctr=p");
}

TEST(DialStringParse, WhitespaceAndCase) {
  const Parsed p = ok("  123@p1 [ DT = 5 , Fu = x ]  &  456@p2  |  789@p3  ");
  EXPECT_EQ(shape(p.dial), (Shape{{"123@p1[DT = 5 , Fu = x]", "456@p2"}, {"789@p3"}}));
  EXPECT_EQ(p.dial.stages[0].legs[0].options.delay, 5U);
  EXPECT_EQ(p.dial.stages[0].legs[0].options.from_user, "x");
  EXPECT_TRUE(p.notes.empty());
}

TEST(DialStringParse, UriParamsKeptBeforeOptions) {
  const Parsed p = ok("sip:user@host;transport=tcp[dt=5]");
  ASSERT_EQ(p.dial.stages.size(), 1U);
  const Leg& leg = p.dial.stages[0].legs[0];
  EXPECT_EQ(leg.destination, "sip:user@host;transport=tcp");
  EXPECT_EQ(leg.options.delay, 5U);
  auto d = parse_destination(leg.destination);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->params, ";transport=tcp");
}

TEST(DialStringParse, SeparatorsInsideOptionsAnglesAndQuotes) {
  Parsed p = ok(R"(a@p1[fd="x|y&z",fu=b]&<sip:c@h.example?u=1&v=2>|d@p2[fd=a&b|c])");
  ASSERT_EQ(p.dial.stages.size(), 2U);
  ASSERT_EQ(p.dial.stages[0].legs.size(), 2U);
  EXPECT_EQ(p.dial.stages[0].legs[0].options.from_display, "x|y&z");
  EXPECT_EQ(p.dial.stages[0].legs[1].destination, "<sip:c@h.example?u=1&v=2>");
  EXPECT_EQ(p.dial.stages[1].legs[0].options.from_display, "a&b|c");
  // ']' inside a quoted option value does not close the options.
  p = ok(R"(a@p[fd="[home] x",dt=2])");
  EXPECT_EQ(p.dial.stages[0].legs[0].options.from_display, "[home] x");
  EXPECT_EQ(p.dial.stages[0].legs[0].options.delay, 2U);
  // '[' and ']' inside <...> are part of the destination.
  p = ok("<sip:1@[2001:db8::1]>[dt=1]");
  EXPECT_EQ(p.dial.stages[0].legs[0].destination, "<sip:1@[2001:db8::1]>");
  EXPECT_EQ(p.dial.stages[0].legs[0].options.delay, 1U);
}

TEST(DialStringParse, Ipv6HostIsNotOptions) {
  Parsed p = ok("sip:1@[2001:db8::1]:5060[dt=5]&[::1]&sip:[::1];transport=tcp");
  ASSERT_EQ(p.dial.stages.size(), 1U);
  EXPECT_EQ(shape(p.dial),
            (Shape{{"sip:1@[2001:db8::1]:5060[dt=5]", "[::1]", "sip:[::1];transport=tcp"}}));
  // Content that is not an address after '@' is options (and the host is missing).
  EXPECT_EQ(err("123@[dt=5]").code, Errc::bad_uri);
}

TEST(DialStringParse, EmptyLegsAndStagesSkippedWithNotes) {
  const Parsed p = ok("a@p1&&b@p2&||  |c@p3&");
  EXPECT_EQ(shape(p.dial), (Shape{{"a@p1", "b@p2"}, {"c@p3"}}));
  std::vector<NoteKind> kinds;
  for (const auto& n : p.notes) kinds.push_back(n.kind);
  EXPECT_EQ(kinds,
            (std::vector<NoteKind>{NoteKind::EmptyLeg, NoteKind::EmptyLeg, NoteKind::EmptyStage,
                                   NoteKind::EmptyStage, NoteKind::EmptyLeg}));
  EXPECT_EQ(p.notes[0].offset, 5U);   // between the two '&'
  EXPECT_EQ(p.notes[2].offset, 12U);  // the stage between "||"
  EXPECT_EQ(p.notes[3].offset, 13U);
}

TEST(DialStringParse, BlankTextIsEmptyWithoutNotes) {
  for (auto text : {"", "   ", "\t"}) {
    const Parsed p = ok(text);
    EXPECT_TRUE(p.dial.stages.empty());
    EXPECT_TRUE(p.notes.empty());
  }
  const Parsed p = ok("|&|");
  EXPECT_TRUE(p.dial.stages.empty());
  EXPECT_EQ(p.notes.size(), 3U);  // three empty stages
}

TEST(DialStringParse, UnknownOptionsCollected) {
  const Parsed p = ok("a@p[rcd=true,dt=1]&b@p[swln=L1,zz]");
  EXPECT_EQ(p.dial.stages[0].legs[0].options.unknown, (std::vector<std::string>{"rcd"}));
  EXPECT_EQ(p.dial.stages[0].legs[1].options.unknown, (std::vector<std::string>{"swln", "zz"}));
  ASSERT_EQ(p.notes.size(), 3U);
  EXPECT_EQ(p.notes[0].kind, NoteKind::UnknownOption);
  EXPECT_EQ(p.notes[0].offset, 4U);
  EXPECT_EQ(p.notes[2].offset, 31U);
}

TEST(DialStringParse, DelayClamped) {
  const Parsed p = ok("a@p[dt=500]");
  EXPECT_EQ(p.dial.stages[0].legs[0].options.delay, 120U);
  ASSERT_EQ(p.notes.size(), 1U);
  EXPECT_EQ(p.notes[0].kind, NoteKind::Clamped);
  EXPECT_EQ(p.notes[0].offset, 7U);
  // The raw text is kept as written for the trace.
  EXPECT_EQ(to_string(p.dial), "a@p[dt=500]");
}

TEST(DialStringParse, SyntaxErrorsWithOffsets) {
  struct Case {
    std::string_view text;
    Errc code;
    std::uint32_t offset;
  };
  const Case cases[] = {
      {"a@p[dt=abc]", Errc::bad_value, 7},
      {"a@p&b@q[dt=1", Errc::bad_value, 7},     // '[' without ']'
      {"a@p]", Errc::bad_value, 3},             // stray ']'
      {"a@p[dt=1]x", Errc::bad_value, 9},       // text after options
      {"a@p[dt=1][fu=x]", Errc::bad_value, 9},  // second options block
      {"a@p[fd=[x]]", Errc::bad_value, 7},      // nested '['
      {"[dt=5]", Errc::bad_value, 0},           // options without destination
      {"a@p|  [dt=5]", Errc::bad_value, 6},
      {"<sip:a@b", Errc::bad_value, 0},  // '<' without '>'
      {"a@b>", Errc::bad_value, 3},
      {"\"abc", Errc::bad_value, 0},        // unterminated quote
      {"a@p[fd=\"x]", Errc::bad_value, 7},  // unterminated quote in options
      {"a@p&123@", Errc::bad_uri, 8},       // destination without host
      {"a@p|b@prov ider", Errc::bad_uri, 10},
      {"\"q|&\"@p2", Errc::bad_uri, 0},  // quotes are not allowed in a user
      {"a@p[cd=-1]", Errc::out_of_range, 7},
      {"a@p[tr=x]", Errc::bad_value, 7},
      {"a@p[ma]", Errc::bad_value, 4},
  };
  for (const auto& c : cases) {
    const Error e = err(c.text);
    EXPECT_EQ(e.code, c.code) << c.text << ": " << e.to_string();
    EXPECT_EQ(e.offset, c.offset) << c.text << ": " << e.to_string();
  }
}

TEST(DialStringParse, LengthLimit) {
  ParseSettings s;
  s.limits.max_length = 20;
  EXPECT_TRUE(parse(std::string(20, 'a'), s).ok());
  const Error e = err(std::string(21, 'a'), s);
  EXPECT_EQ(e.code, Errc::limit_reached);
  EXPECT_EQ(e.offset, 20U);
  // Default: 4096 bytes.
  EXPECT_TRUE(parse(std::string(4096, 'a')).ok());
  EXPECT_EQ(err(std::string(4097, 'a')).code, Errc::limit_reached);
}

TEST(DialStringParse, LegLimit) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += (i % 10 == 0 && i ? "|" : "&") + std::to_string(i) + "@p";
  const Parsed p = ok(text);
  std::size_t legs = 0;
  for (const auto& s : p.dial.stages) legs += s.legs.size();
  EXPECT_EQ(legs, 100U);
  const std::size_t at = text.size() + 1;
  text += "&x@p";
  const Error e = err(text);
  EXPECT_EQ(e.code, Errc::limit_reached);
  EXPECT_EQ(e.offset, at);
  // Empty legs do not count.
  ParseSettings s;
  s.limits.max_legs = 2;
  EXPECT_TRUE(parse("a@p&&&&&|b@p", s).ok());
  EXPECT_EQ(err("a@p&b@p&c@p", s).offset, 8U);
}

TEST(DialStringParse, OptionLimit) {
  ParseSettings s;
  s.limits.max_options = 2;
  EXPECT_TRUE(parse("a@p[dt=1,cd=2]", s).ok());
  const Error e = err("a@p[dt=1,cd=2,x=3]", s);
  EXPECT_EQ(e.code, Errc::limit_reached);
  EXPECT_EQ(e.offset, 14U);
}

TEST(DialStringParse, LegacyForm) {
  EXPECT_TRUE(looks_like_legacy("user,pass,sip:1@h"));
  EXPECT_TRUE(looks_like_legacy(" u , p , sip:x@y , \"A\" <sip:a@b> "));
  EXPECT_FALSE(looks_like_legacy("a@p[fu=x,fd=y,fh=z]"));  // has '['
  EXPECT_FALSE(looks_like_legacy("a,b"));
  EXPECT_FALSE(looks_like_legacy("a,,b"));
  EXPECT_FALSE(looks_like_legacy(",a,b"));
  EXPECT_FALSE(looks_like_legacy("a,b, "));

  const Parsed p = ok("  joe , secret , sip:100@sip.example.com , sip:joe@x ");
  ASSERT_TRUE(p.legacy);
  EXPECT_TRUE(p.dial.stages.empty());
  EXPECT_EQ(p.legacy->username, "joe");
  EXPECT_EQ(p.legacy->password, "secret");
  EXPECT_EQ(p.legacy->uri, "sip:100@sip.example.com");
  EXPECT_EQ(p.legacy->from, "sip:joe@x");
  EXPECT_EQ(p.legacy->send_to_socket, "");
  EXPECT_EQ(to_string(*p.legacy), "joe,secret,sip:100@sip.example.com,sip:joe@x");

  auto all = parse_legacy("u,p,uri,from,udp:1.2.3.4:5060,true");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->send_to_socket, "udp:1.2.3.4:5060");
  EXPECT_EQ(all->trace, "true");
  EXPECT_EQ(to_string(*all), "u,p,uri,from,udp:1.2.3.4:5060,true");
  auto gap = parse_legacy("u,p,uri,,sock");
  ASSERT_TRUE(gap.ok());
  EXPECT_EQ(to_string(*gap), "u,p,uri,,sock");

  const Error e = err("u,p,uri,f,s,t,extra");
  EXPECT_EQ(e.code, Errc::bad_value);
  EXPECT_EQ(e.offset, 14U);
  EXPECT_EQ(parse_legacy("u,,uri").error().code, Errc::bad_value);
  EXPECT_EQ(parse_legacy("u,p").error().code, Errc::bad_value);

  // A caller that does not allow the legacy form parses it as a dial string.
  ParseSettings no_legacy;
  no_legacy.allow_legacy = false;
  const Parsed plain = ok("user,pass,sip:1@h", no_legacy);
  EXPECT_FALSE(plain.legacy);
  ASSERT_EQ(plain.dial.stages.size(), 1U);
  EXPECT_EQ(plain.dial.stages[0].legs[0].destination, "user,pass,sip:1@h");
}

TEST(DialStringParse, RoundTrip) {
  const char* cases[] = {
      "123@provider1&456@provider2[dt=5]|789@provider3",
      "  a@p1 [ DT = 5 , Fu = x ]  &  b@p2  |  c@p3  ",
      "a@p1&&b@p2&||  |c@p3&",
      R"(a@p1[fd="x|y&z",fu=b]&<sip:c@h.example?u=1&v=2>|d@p2[fd=a&b|c])",
      "sip:1@[2001:db8::1]:5060[dt=5]&[::1]&sip:[::1];transport=tcp",
      "sip:user@host;transport=tcp[dt=5]",
      "a@p[]&b@p[  ]",
      "a@p[rcd=true,dt=500,,tr=P,rm=n,ma=no]",
      "gizmo|sip:303@sip.blueface.ie[cd=60,fh=example.com]",
      R"(x@y[fd="a \"q\" b"])",
      "<sip:1@[::1]>[dt=1]|tel:+35312345;ext=1",
      "a,b,c@gw[]",  // a dial string only because of its '[' (fuzz finding)
      "",
  };
  for (const char* c : cases) {
    const Parsed p = ok(c);
    const std::string s = to_string(p.dial);
    const Parsed again = ok(s);
    EXPECT_EQ(again.dial, p.dial) << c << " -> " << s;
    EXPECT_EQ(to_string(again.dial), s);
  }
}

TEST(DialStringParse, ToStringKeepsCommaDestinationOutOfLegacyForm) {
  const Parsed p = ok("a,b,c@gw[]");
  EXPECT_FALSE(p.legacy);
  EXPECT_EQ(to_string(p.dial), "a,b,c@gw[]");
  const Parsed q = ok("x@y&a,b,c@gw[]");
  EXPECT_EQ(to_string(q.dial), "x@y&a,b,c@gw[]");
}

TEST(DialStringParse, RoundTripGenerated) {
  // Every combination of a few destinations, option blocks and separators.
  const char* dests[] = {"1@p", "sip:a@b.example;lr", "<sip:x@y?a=1&b=2>", "[::1]:5070", "gw"};
  const char* opts[] = {"", "[dt=3]", "[ fd = \"a,b]\" ]", "[zz=1,cd=9]", "[]"};
  const char* seps[] = {"&", "|", " & ", " | ", "&&", "||"};
  std::size_t checked = 0;
  for (const char* d1 : dests)
    for (const char* o1 : opts)
      for (const char* sep : seps)
        for (const char* d2 : dests)
          for (const char* o2 : opts) {
            const std::string text = std::string(d1) + o1 + sep + d2 + o2;
            auto p = parse(text);
            ASSERT_TRUE(p.ok()) << text << ": " << p.error().to_string();
            const std::string s = to_string(p->dial);
            auto again = parse(s);
            ASSERT_TRUE(again.ok()) << s;
            ASSERT_EQ(again->dial, p->dial) << text << " -> " << s;
            ++checked;
          }
  EXPECT_EQ(checked, 5U * 5U * 6U * 5U * 5U);
}

TEST(DialStringParse, LegDestinationsResolveWithCalledNumber) {
  const Parsed p = ok("gizmo&300@blueface|sip:sip.example.com");
  auto a = parse_destination(p.dial.stages[0].legs[0].destination, "0035312345");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->uri(), "sip:0035312345@gizmo");
  auto b = parse_destination(p.dial.stages[0].legs[1].destination, "0035312345");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->user, "300");
  auto c = parse_destination(p.dial.stages[1].legs[0].destination, "0035312345");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->uri(), "sip:sip.example.com");
}

}  // namespace
}  // namespace sip::dialstring
