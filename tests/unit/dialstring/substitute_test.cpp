// substitute(): the reference's variables, case, ${dst:N}, unknown names,
// dial-string escaping of caller-controlled values, output limit.
#include "sip/dialstring/substitute.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sip::dialstring {
namespace {

SubstitutionContext ctx() {
  return SubstitutionContext{"0035312345", "Joe Bloggs", "joe", "joe@example.com"};
}

std::string sub(std::string_view text, const SubstitutionContext& c = ctx(),
                SubstituteMode mode = SubstituteMode::DialString) {
  auto r = substitute(text, c, mode);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error().to_string();
  return r.ok() ? *r : std::string();
}

TEST(DialStringSubstitute, AllVariables) {
  EXPECT_EQ(sub("${dst}@local[fu=${fromuriuser}]"), "0035312345@local[fu=joe]");
  EXPECT_EQ(sub("${exten}"), "0035312345");
  EXPECT_EQ(sub("${dst:2}"), "35312345");
  EXPECT_EQ(sub("${exten:4}@p"), "312345@p");
  EXPECT_EQ(sub("${fromname}|${fromaor}"), "Joe Bloggs|joe@example.com");
  EXPECT_EQ(sub("no variables"), "no variables");
  EXPECT_EQ(sub(""), "");
}

TEST(DialStringSubstitute, NamesAreCaseInsensitive) {
  EXPECT_EQ(sub("${DST}/${Exten}/${EXTEN:1}/${FromName}/${FROMURIUSER}/${FromAOR}"),
            "0035312345/0035312345/035312345/Joe Bloggs/joe/joe@example.com");
}

TEST(DialStringSubstitute, StripCountAtOrBeyondLengthLeavesValue) {
  EXPECT_EQ(sub("${dst:9}"), "5");
  EXPECT_EQ(sub("${dst:10}"), "0035312345");  // N == length: unchanged
  EXPECT_EQ(sub("${dst:11}"), "0035312345");
  EXPECT_EQ(sub("${dst:0}"), "0035312345");
  EXPECT_EQ(sub("${dst:99999999999999999999999999}"), "0035312345");
}

TEST(DialStringSubstitute, MissingValuesBecomeEmpty) {
  const SubstitutionContext empty;
  EXPECT_EQ(sub("${dst}@p[fd=${fromname},fu=${fromuriuser}]${fromaor}", empty), "@p[fd=,fu=]");
  EXPECT_EQ(sub("${dst:3}", empty), "");
}

TEST(DialStringSubstitute, UnknownFormsLeftAsWritten) {
  EXPECT_EQ(sub("${foo}"), "${foo}");
  EXPECT_EQ(sub("${dst:x}"), "${dst:x}");
  EXPECT_EQ(sub("${dst:}"), "${dst:}");
  EXPECT_EQ(sub("${dst:-1}"), "${dst:-1}");
  EXPECT_EQ(sub("${fromname:2}"), "${fromname:2}");
  EXPECT_EQ(sub("${ dst }"), "${ dst }");
  EXPECT_EQ(sub("${dst"), "${dst");
  EXPECT_EQ(sub("$dst {dst} $"), "$dst {dst} $");
  EXPECT_EQ(sub("#{sys.Username}@local"), "#{sys.Username}@local");  // Ruby, not ours
  // One pass; a '}' inside the unknown name does not swallow the next variable.
  EXPECT_EQ(sub("${${dst}}"), "${0035312345}");
  std::string far = "${" + std::string(100, 'a') + "}${dst}";
  EXPECT_EQ(sub(far), "${" + std::string(100, 'a') + "}0035312345");
}

TEST(DialStringSubstitute, SubstitutedTextIsNotScannedAgain) {
  SubstitutionContext c = ctx();
  c.from_name = "${dst}";
  EXPECT_EQ(sub("${fromname}", c), "${dst}");
}

TEST(DialStringSubstitute, DialStringModeEscapesStructure) {
  SubstitutionContext c = ctx();
  c.dst = "1&0900@premium|x[dt=1]";
  c.from_user = "a,tr=p";
  c.from_name = "Bob \"The\" <Boss>\\\r\n";
  EXPECT_EQ(sub("${dst}@p", c), "1%260900@premium%7Cx%5Bdt=1%5D@p");
  EXPECT_EQ(sub("[fu=${fromuriuser}]", c), "[fu=a%2Ctr=p]");
  EXPECT_EQ(sub("${fromname}", c), "Bob %22The%22 %3CBoss%3E%5C%0D%0A");
  // Literal text of the template is never escaped.
  EXPECT_EQ(sub("a&b|c[d=${fromuriuser}]", c), "a&b|c[d=a%2Ctr=p]");
}

TEST(DialStringSubstitute, RawModeCopiesValues) {
  SubstitutionContext c = ctx();
  c.from_name = "Bob & Alice, \"x\"";
  EXPECT_EQ(sub("\"${fromname}\" <sip:${fromuriuser}@h>", c, SubstituteMode::Raw),
            "\"Bob & Alice, \"x\"\" <sip:joe@h>");
}

TEST(DialStringSubstitute, OutputLimit) {
  SubstitutionContext c;
  c.dst = std::string(1000, '9');
  std::string text;
  for (int i = 0; i < 20; ++i) text += "${dst}&";
  auto r = substitute(text, c, SubstituteMode::DialString, 10000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::limit_reached);
  EXPECT_EQ(r.error().offset, 9U * 7U);  // the 10th variable overflows
  EXPECT_TRUE(substitute(text, c, SubstituteMode::DialString, 20020).ok());
  // Input alone longer than the limit.
  r = substitute(std::string(11, 'x'), c, SubstituteMode::Raw, 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::limit_reached);
}

}  // namespace
}  // namespace sip::dialstring
