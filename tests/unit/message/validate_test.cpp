#include "sip/message/validate.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sip/parser/parse.hpp"

namespace sip::msg {
namespace {

std::string request(std::string_view start, std::string_view extra = {},
                    std::string_view cseq = "1 OPTIONS") {
  std::string s(start);
  s += "\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\n"
       "To: <sip:b@example.com>\r\nCall-ID: abc\r\nCSeq: ";
  s += cseq;
  s += "\r\nMax-Forwards: 70\r\n";
  s += extra;
  s += "Content-Length: 0\r\n\r\n";
  return s;
}

Verdict check(const std::string& bytes, const ValidationPolicy& p = {}) {
  auto m = parser::parse_datagram(std::string_view(bytes));
  if (!m) return verdict_for_parse_error(bytes, m.error());
  return m->is_request() ? validate_request(*m, p) : validate_response(*m);
}

TEST(Validate, WellFormedRequestIsAccepted) {
  EXPECT_TRUE(check(request("OPTIONS sip:b@example.com SIP/2.0")).accepted());
  EXPECT_TRUE(check(request("OPTIONS tel:+15551234 SIP/2.0")).accepted());
}

TEST(Validate, VersionGives505) {
  const Verdict v = check(request("OPTIONS sip:b@example.com SIP/3.0"));
  EXPECT_EQ(v.action, Verdict::Action::Respond);
  EXPECT_EQ(v.status, 505);
  EXPECT_EQ(v.reason, "Version Not Supported");
}

TEST(Validate, MissingMandatoryHeaderGives400) {
  auto v = check(
      "OPTIONS sip:b@e SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\n\r\n");
  EXPECT_EQ(v.status, 400);
  EXPECT_STREQ(v.error.detail, "missing From");
}

TEST(Validate, UnknownSchemeGives416) {
  EXPECT_EQ(check(request("OPTIONS mailto:x@example.com SIP/2.0")).status, 416);
}

TEST(Validate, CSeqMethodMismatchGives400) {
  EXPECT_EQ(check(request("OPTIONS sip:b@e SIP/2.0", {}, "1 INVITE")).status, 400);
}

TEST(Validate, RequireUnknownGives420WithUnsupportedList) {
  const std::string r =
      request("OPTIONS sip:b@e SIP/2.0", "Require: foo, path\r\nProxy-Require: bar\r\n");
  Verdict v = check(r);
  EXPECT_EQ(v.status, 420);
  EXPECT_EQ(v.unsupported, "foo, path, bar");
  const std::string_view supported[] = {"path", "foo", "bar"};
  ValidationPolicy p;
  p.supported_options = supported;
  EXPECT_TRUE(check(r, p).accepted());
}

TEST(Validate, RequireIsIgnoredOnCancel) {
  EXPECT_TRUE(check(request("CANCEL sip:b@e SIP/2.0", "Require: foo\r\n", "1 CANCEL")).accepted());
}

TEST(Validate, MaxForwardsZeroDependsOnRole) {
  std::string r = request("OPTIONS sip:b@e SIP/2.0");
  r.replace(r.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
  EXPECT_EQ(check(r).status, 483);
  ValidationPolicy target;
  target.reject_max_forwards_zero = false;
  EXPECT_TRUE(check(r, target).accepted());
}

TEST(Validate, AckIsNeverAnswered) {
  const Verdict v = check(request("ACK sip:b@e SIP/2.0", {}, "1 INVITE"));
  EXPECT_EQ(v.action, Verdict::Action::Drop);
}

TEST(Validate, RegisterStarRules) {
  EXPECT_TRUE(check(request("REGISTER sip:e SIP/2.0", "Contact: *\r\nExpires: 0\r\n", "1 REGISTER"))
                  .accepted());
  EXPECT_EQ(check(request("REGISTER sip:e SIP/2.0", "Contact: *\r\nExpires: 10\r\n", "1 REGISTER"))
                .status,
            400);
  EXPECT_EQ(check(request("REGISTER sip:e SIP/2.0", "Contact: *, <sip:a@h>\r\nExpires: 0\r\n",
                          "1 REGISTER"))
                .status,
            400);
  EXPECT_EQ(check(request("REGISTER sip:e SIP/2.0", "Contact: *\r\n", "1 REGISTER")).status, 400);
}

TEST(Validate, RepeatedSingleValueHeaderGives400) {
  EXPECT_EQ(check(request("OPTIONS sip:b@e SIP/2.0", "Call-ID: other\r\n")).status, 400);
  EXPECT_EQ(check(request("OPTIONS sip:b@e SIP/2.0", "Expires: 1\r\nExpires: 2\r\n")).status, 400);
}

TEST(Validate, ParseErrorsOfRequestsAreAnsweredResponsesDropped) {
  EXPECT_EQ(check("INVITE <sip:x@y> SIP/2.0\r\nCall-ID: a\r\n\r\n").status, 400);
  EXPECT_EQ(check("SIP/2.0 999 Nope\r\nCall-ID: a\r\n\r\n").action, Verdict::Action::Drop);
  EXPECT_EQ(check("ACK sip:x SIP/2.0\r\nBad Header\r\n\r\n").action, Verdict::Action::Drop);
  EXPECT_EQ(check("\r\n\r\n").action, Verdict::Action::Drop);
  const Error big = make_error(Errc::message_too_large, 65535);
  EXPECT_EQ(verdict_for_parse_error("INVITE sip:x SIP/2.0\r\n", big).status, 513);
}

TEST(Validate, ResponsesWithBadHeadersOrBroadcastViaAreDropped) {
  const std::string ok =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:a@e>;tag=1\r\n"
      "To: <sip:b@e>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  EXPECT_TRUE(check(ok).accepted());
  std::string bcast = ok;
  bcast.insert(bcast.find("From:"), "Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK2\r\n");
  EXPECT_EQ(check(bcast).action, Verdict::Action::Drop);
  std::string mcast = ok;
  mcast.insert(mcast.find("From:"), "Via: SIP/2.0/UDP 224.0.1.75;branch=z9hG4bK2\r\n");
  EXPECT_EQ(check(mcast).action, Verdict::Action::Drop);
  std::string badcseq = ok;
  badcseq.replace(badcseq.find("CSeq: 1"), 7, "CSeq: 99999999999");
  EXPECT_EQ(check(badcseq).action, Verdict::Action::Drop);
}

}  // namespace
}  // namespace sip::msg
