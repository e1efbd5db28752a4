// parse_leg_options(): typed values, exact case-insensitive keys, unknown and
// duplicate keys, clamping, bad values with offsets, canonical round trip.
#include "sip/dialstring/options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sip::dialstring {
namespace {

LegOptions ok(std::string_view text, std::vector<Note>* notes = nullptr) {
  auto r = parse_leg_options(text, 0, kDefaultMaxOptions, notes);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error().to_string();
  return r.ok() ? *r : LegOptions{};
}

Error err(std::string_view text, std::size_t base = 0) {
  auto r = parse_leg_options(text, base);
  EXPECT_FALSE(r.ok()) << text;
  return r.error();
}

TEST(DialStringOptions, EmptyGivesDefaults) {
  const LegOptions o = ok("");
  EXPECT_EQ(o, LegOptions{});
  EXPECT_TRUE(o.mangle);
  EXPECT_EQ(o.transfer, TransferMode::None);
  EXPECT_EQ(o.redirect, RedirectMode::Default);
  EXPECT_FALSE(o.delay);
  EXPECT_EQ(ok(" , ,, "), LegOptions{});
}

TEST(DialStringOptions, AllKnownKeys) {
  const LegOptions o = ok("dt=5,cd=3600,ma=false,fd=Joe Bloggs,fu=anon,fh=example.com,tr=p,rm=n");
  EXPECT_EQ(o.delay, 5U);
  EXPECT_EQ(o.call_duration, 3600U);
  EXPECT_FALSE(o.mangle);
  EXPECT_EQ(o.from_display, "Joe Bloggs");
  EXPECT_EQ(o.from_user, "anon");
  EXPECT_EQ(o.from_host, "example.com");
  EXPECT_EQ(o.transfer, TransferMode::PassThrough);
  EXPECT_EQ(o.redirect, RedirectMode::NewExecution);
  EXPECT_TRUE(o.unknown.empty());
  EXPECT_EQ(ok("tr=c,rm=m").transfer, TransferMode::Consume);
  EXPECT_EQ(ok("tr=c,rm=m").redirect, RedirectMode::Manual);
  EXPECT_EQ(ok("tr=n").transfer, TransferMode::None);
}

TEST(DialStringOptions, KeysAreCaseInsensitiveAndTrimmed) {
  const LegOptions o = ok("  DT = 7 ,  Fu =  bob  , MA=FALSE, Tr=P ");
  EXPECT_EQ(o.delay, 7U);
  EXPECT_EQ(o.from_user, "bob");
  EXPECT_FALSE(o.mangle);
  EXPECT_EQ(o.transfer, TransferMode::PassThrough);
}

TEST(DialStringOptions, NoPrefixMatching) {
  // The reference matched "dt=" anywhere; we match whole keys only.
  std::vector<Note> notes;
  const LegOptions o = ok("xdt=5,dtx=6", &notes);
  EXPECT_FALSE(o.delay);
  EXPECT_EQ(o.unknown, (std::vector<std::string>{"xdt", "dtx"}));
  ASSERT_EQ(notes.size(), 2U);
  EXPECT_EQ(notes[0].kind, NoteKind::UnknownOption);
  EXPECT_EQ(notes[0].offset, 0U);
  EXPECT_EQ(notes[1].offset, 6U);
  EXPECT_EQ(notes[0].text, "unknown option 'xdt' ignored");
}

TEST(DialStringOptions, UnknownKeysCollectedInOrder) {
  std::vector<Note> notes;
  const LegOptions o = ok("rcd=true,dt=3,swln=Line 1,flag,ac=x", &notes);
  EXPECT_EQ(o.delay, 3U);
  EXPECT_EQ(o.unknown, (std::vector<std::string>{"rcd", "swln", "flag", "ac"}));
  EXPECT_EQ(notes.size(), 4U);
}

TEST(DialStringOptions, DelayClampedWithNote) {
  std::vector<Note> notes;
  EXPECT_EQ(ok("dt=120").delay, 120U);
  EXPECT_EQ(ok("dt=121", &notes).delay, 120U);
  ASSERT_EQ(notes.size(), 1U);
  EXPECT_EQ(notes[0].kind, NoteKind::Clamped);
  EXPECT_EQ(notes[0].offset, 3U);
  EXPECT_EQ(ok("dt=99999999999999999999999999").delay, 120U);
  notes.clear();
  EXPECT_EQ(ok("dt=-5", &notes).delay, 0U);
  EXPECT_EQ(notes.size(), 1U);
  EXPECT_EQ(ok("dt=+7").delay, 7U);
  EXPECT_EQ(ok("dt=0").delay, 0U);
  EXPECT_EQ(ok("dt=-0").delay, 0U);
}

TEST(DialStringOptions, BadValuesAreErrorsWithOffsets) {
  Error e = err("fu=x, dt=abc");
  EXPECT_EQ(e.code, Errc::bad_value);
  EXPECT_EQ(e.offset, 9U);
  EXPECT_EQ(err("dt=").code, Errc::bad_value);
  EXPECT_EQ(err("dt=5s").code, Errc::bad_value);
  EXPECT_EQ(err("dt=1 2").code, Errc::bad_value);
  EXPECT_EQ(err("cd=ten").code, Errc::bad_value);
  EXPECT_EQ(err("ma=maybe").code, Errc::bad_value);
  EXPECT_EQ(err("tr=x").code, Errc::bad_value);
  EXPECT_EQ(err("tr=o").code, Errc::bad_value);  // never active in the reference
  EXPECT_EQ(err("rm=a").code, Errc::bad_value);  // <= 2011 value, not supported
  EXPECT_EQ(err("rm=").code, Errc::bad_value);
  e = err("dt");  // a known key needs a value
  EXPECT_EQ(e.code, Errc::bad_value);
  EXPECT_EQ(e.offset, 0U);
  e = err("=5");
  EXPECT_EQ(e.code, Errc::bad_value);
  // base_offset shifts every offset.
  e = err("ma=x", 100);
  EXPECT_EQ(e.offset, 103U);
}

TEST(DialStringOptions, CallDurationRange) {
  EXPECT_EQ(ok("cd=0").call_duration, 0U);
  EXPECT_EQ(ok("cd=2147483647").call_duration, 2147483647U);
  EXPECT_EQ(err("cd=2147483648").code, Errc::out_of_range);
  EXPECT_EQ(err("cd=99999999999999999999999").code, Errc::out_of_range);
  EXPECT_EQ(err("cd=-1").code, Errc::out_of_range);
}

TEST(DialStringOptions, BooleanSpellings) {
  for (auto t : {"true", "TRUE", "1", "yes"}) EXPECT_TRUE(ok(std::string("ma=") + t).mangle) << t;
  for (auto f : {"false", "False", "0", "no"}) EXPECT_FALSE(ok(std::string("ma=") + f).mangle) << f;
}

TEST(DialStringOptions, QuotedValues) {
  const LegOptions o = ok(R"(fd="Smith, John [home]", fu="a\"b", fh=h)");
  EXPECT_EQ(o.from_display, "Smith, John [home]");
  EXPECT_EQ(o.from_user, "a\"b");
  EXPECT_EQ(o.from_host, "h");
  EXPECT_EQ(err(R"(fd="open)").code, Errc::bad_value);
  const Error e = err(R"(fd="x"y)");
  EXPECT_EQ(e.code, Errc::bad_value);
  EXPECT_EQ(e.offset, 6U);
  // A quote in the middle of a value stays as written.
  EXPECT_EQ(ok(R"(fd=Bob "B" Jones)").from_display, R"(Bob "B" Jones)");
  // '=' after the first one belongs to the value.
  EXPECT_EQ(ok("fu=a=b").from_user, "a=b");
}

TEST(DialStringOptions, EmptyTextValueMeansNotSet) {
  const LegOptions o = ok("fu=,fd=  ,fh=\"\"");
  EXPECT_FALSE(o.from_user);
  EXPECT_FALSE(o.from_display);
  EXPECT_FALSE(o.from_host);
  EXPECT_FALSE(ok("fu=x,fu=").from_user);
}

TEST(DialStringOptions, DuplicateKnownKeyLastWinsWithNote) {
  std::vector<Note> notes;
  const LegOptions o = ok("dt=5,DT=10", &notes);
  EXPECT_EQ(o.delay, 10U);
  ASSERT_EQ(notes.size(), 1U);
  EXPECT_EQ(notes[0].kind, NoteKind::DuplicateOption);
  EXPECT_EQ(notes[0].offset, 5U);
  EXPECT_EQ(notes[0].text, "option 'dt' given twice; the last one wins");
}

TEST(DialStringOptions, OptionCountLimit) {
  std::string text;
  for (int i = 0; i < 5; ++i) text += "k" + std::to_string(i) + "=1,";
  EXPECT_TRUE(parse_leg_options(text, 0, 5).ok());
  text += "dt=1";
  const auto r = parse_leg_options(text, 10, 5);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::limit_reached);
  EXPECT_EQ(r.error().offset, 10U + text.find("dt=1"));
}

TEST(DialStringOptions, CanonicalRoundTrip) {
  const char* cases[] = {
      "",
      "dt=5",
      "dt=121,cd=60,ma=false",
      R"(fd="Smith, John",fu=anon,fh=example.com,tr=c,rm=m)",
      R"(fd= a\b "c" ,fu=x]y,fh=[::1])",
      "tr=p,rm=n,ma=0,xyz=1",
      "fd=\"  padded  \"",
  };
  for (const char* c : cases) {
    const LegOptions o = ok(c);
    const std::string canon = canonical_options(o);
    auto again = parse_leg_options(canon);
    ASSERT_TRUE(again.ok()) << c << " -> " << canon << ": " << again.error().to_string();
    LegOptions expected = o;
    expected.unknown.clear();  // unknown keys are not emitted
    EXPECT_EQ(*again, expected) << c << " -> " << canon;
    EXPECT_EQ(canonical_options(*again), canon);
  }
  EXPECT_EQ(canonical_options(LegOptions{}), "");
  EXPECT_EQ(canonical_options(ok("rm=n,tr=p,fu=a,dt=1")), "dt=1,fu=a,tr=p,rm=n");
}

TEST(DialStringOptions, Names) {
  EXPECT_STREQ(transfer_mode_name(TransferMode::PassThrough), "pass_through");
  EXPECT_STREQ(redirect_mode_name(RedirectMode::NewExecution), "new_execution");
  EXPECT_STREQ(note_kind_name(NoteKind::UnknownOption), "unknown_option");
}

}  // namespace
}  // namespace sip::dialstring
