#include <gtest/gtest.h>

#include <string>

#include "sip/parser/parse.hpp"

namespace sip::parser {
namespace {

constexpr std::string_view kHead =
    "OPTIONS sip:a@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
    "Call-ID: x\r\n";

TEST(Datagram, OctetsPastContentLengthAreIgnored) {
  std::string d(kHead);
  d += "Content-Length: 3\r\n\r\nabcGARBAGE";
  auto m = parse_datagram(std::string_view(d));
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(m->body(), "abc");
  EXPECT_EQ(m->bytes().size(), d.size() - 7);
}

TEST(Datagram, WithoutContentLengthTheBodyRunsToTheEnd) {
  std::string d(kHead);
  d += "\r\nbody";
  auto m = parse_datagram(std::move(d));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->body(), "body");
}

TEST(Datagram, ContentLengthBeyondDatagramIsAnError) {
  std::string d(kHead);
  d += "Content-Length: 10\r\n\r\nabc";
  auto m = parse_datagram(std::string_view(d));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::body_truncated);
}

TEST(Datagram, BadContentLengths) {
  for (const char* cl : {"-1", "abc", "1 2", "99999999999"}) {
    std::string d(kHead);
    d += "Content-Length: ";
    d += cl;
    d += "\r\n\r\n";
    auto m = parse_datagram(std::string_view(d));
    ASSERT_FALSE(m) << cl;
    EXPECT_EQ(m.error().code, Errc::bad_content_length) << cl;
  }
  std::string two(kHead);
  two += "Content-Length: 0\r\nl: 0\r\n\r\n";
  EXPECT_EQ(parse_datagram(std::string_view(two)).error().code, Errc::bad_content_length);
}

TEST(Datagram, FoldingBecomesSpacesAndKeepsOffsets) {
  std::string d =
      "OPTIONS sip:a@b SIP/2.0\r\nSubject: first\r\n  second\r\n\tthird\r\nCall-ID: x\r\n\r\n";
  const std::size_t size = d.size();
  auto m = parse_datagram(std::move(d));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->value(msg::HeaderId::Subject), "first    second  \tthird");
  EXPECT_EQ(m->bytes().size(), size);
  EXPECT_EQ(m->call_id(), "x");
}

TEST(Datagram, LeadingCrlfIgnoredAndBareLfTolerated) {
  auto m = parse_datagram(std::string_view("\r\n\r\nOPTIONS sip:a@b SIP/2.0\nCall-ID: y\n\n"));
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(m->call_id(), "y");
  EXPECT_EQ(m->method_token(), "OPTIONS");
}

TEST(Datagram, StartLineErrorsCarryCodesAndOffsets) {
  struct Case {
    const char* text;
    Errc code;
    std::uint32_t offset;
  } cases[] = {
      {"INVITE sip:a@b SIP/2.0 extra\r\n\r\n", Errc::bad_start_line, 23},
      {"INVITE sip:a@b\r\n\r\n", Errc::bad_start_line, 0},
      {"INV\"ITE sip:a@b SIP/2.0\r\n\r\n", Errc::bad_method, 0},
      {"INVITE sip:a@b SIP/2\r\n\r\n", Errc::bad_version, 15},
      {"INVITE <sip:a@b> SIP/2.0\r\n\r\n", Errc::bad_uri, 7},
      {"SIP/2.0 99 Low\r\n\r\n", Errc::bad_status, 8},
      {"SIP/2.0 700 High\r\n\r\n", Errc::bad_status, 8},
      {"SIP/2.0 2000 OK\r\n\r\n", Errc::bad_status, 8},
      {"SIP/2 200 OK\r\n\r\n", Errc::bad_version, 0},
      {" INVITE sip:a@b SIP/2.0\r\n\r\n", Errc::bad_start_line, 0},
      {"OPTIONS sip:a@b SIP/2.0\r\nNo colon here\r\n\r\n", Errc::bad_header, 28},
      {"OPTIONS sip:a@b SIP/2.0\r\n continuation\r\n\r\n", Errc::bad_header, 25},
      {"OPTIONS sip:a@b SIP/2.0\r\n: empty name\r\n\r\n", Errc::bad_header, 25},
      {"OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x", Errc::truncated, 35},
      {"", Errc::empty, 0},
  };
  for (const Case& c : cases) {
    auto m = parse_datagram(std::string_view(c.text));
    ASSERT_FALSE(m) << c.text;
    EXPECT_EQ(m.error().code, c.code) << c.text << " -> " << m.error().to_string();
    EXPECT_EQ(m.error().offset, c.offset) << c.text << " -> " << m.error().to_string();
  }
}

TEST(Datagram, ResponseReasonPhrases) {
  auto empty = parse_datagram(std::string_view("SIP/2.0 100 \r\nCall-ID: a\r\n\r\n"));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->reason(), "");
  auto none = parse_datagram(std::string_view("SIP/2.0 100\r\nCall-ID: a\r\n\r\n"));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status(), 100);
  auto spaced = parse_datagram(std::string_view("SIP/2.0 404 Not  Found here\r\n\r\n"));
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->reason(), "Not  Found here");
}

TEST(Datagram, Limits) {
  Limits small;
  small.max_header_lines = 2;
  std::string d = "OPTIONS sip:a@b SIP/2.0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  EXPECT_EQ(parse_datagram(std::string_view(d), small).error().code, Errc::too_many_headers);
  small = Limits{};
  small.max_line_length = 10;
  EXPECT_EQ(parse_datagram(std::string_view(d), small).error().code, Errc::line_too_long);
  small = Limits{};
  small.max_message_size = 20;
  EXPECT_EQ(parse_datagram(std::string_view(d), small).error().code, Errc::message_too_large);
  small = Limits{};
  small.max_body_size = 2;
  EXPECT_EQ(parse_datagram(std::string_view("OPTIONS sip:a@b SIP/2.0\r\nl: 3\r\n\r\nabc"), small)
                .error()
                .code,
            Errc::body_too_large);
}

TEST(Datagram, NeverReadsPastTheInput) {
  // Every prefix of a valid message either parses or fails cleanly; under
  // ASan any read past the view would abort the test.
  const std::string full =
      "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h:5060;branch=z9hG4bK1\r\n"
      "From: \"A\" <sip:a@b>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
      "Content-Length: 4\r\n\r\nv=0\n";
  for (std::size_t n = 0; n <= full.size(); ++n) {
    std::string prefix = full.substr(0, n);
    auto m = parse_datagram(std::string_view(prefix));
    if (m) {
      (void)m->from();
      (void)m->top_via();
    }
    // A datagram cut inside a line never parses; one cut at a line end is a
    // complete (if short) message, as RFC 4475 baddn needs.
    const bool at_line_end = n > 0 && full[n - 1] == '\n';
    if (n < full.size() && !at_line_end) {
      EXPECT_FALSE(m) << n;
    }
  }
  EXPECT_TRUE(parse_datagram(std::string_view(full)));
  const std::string without_body = full.substr(0, full.size() - 2);
  EXPECT_EQ(parse_datagram(std::string_view(without_body)).error().code, Errc::body_truncated);
}

TEST(HeadEnd, FindsCrlfAndLfBlankLines) {
  EXPECT_EQ(find_head_end("A\r\n\r\nbody"), 5u);
  EXPECT_EQ(find_head_end("A\n\nbody"), 3u);
  EXPECT_EQ(find_head_end("A\r\nB\r\n"), std::string_view::npos);
  EXPECT_EQ(find_head_end(""), std::string_view::npos);
}

}  // namespace
}  // namespace sip::parser
