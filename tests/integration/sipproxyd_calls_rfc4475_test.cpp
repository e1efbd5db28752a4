// RFC 4475 messages whose right handling depends on the element's role
// (MANIFEST.tsv class "semantic", expect "role"): as a B2BUA, sipproxyd
// forwards them on a leg to a registered SIPp phone with the same body and
// Content-Type; the phone's answer (415 for invut, 406 for sdp01, what a UAS
// says) comes back to the sender. The corpus is read from
// $SIPSMITH_CONFORMANCE_DIR or ../shared/conformance, never copied.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "../conformance/corpus.hpp"
#include "support/call_env.hpp"

namespace sipsmith::itest {
namespace {

constexpr Millis kCall{20000};

// The MANIFEST.tsv row of `file`, or "" when the corpus has none.
std::string manifest_row(const std::string& file) {
  std::ifstream in(sip::testing::corpus_dir() / "MANIFEST.tsv");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(file + "\t", 0) == 0) return line;
  return {};
}

std::string line_of(const std::string& message, const std::string& prefix) {
  const auto at = message.find("\r\n" + prefix);
  if (at == std::string::npos) return {};
  return message.substr(at + 2, message.find("\r\n", at + 2) - at - 2);
}

// The corpus messages address example.com and reach us from hosts we are
// not: the minimal rewrite that makes them a test call is (1) the
// request-URI host example.com -> the served domain (the user part "user"
// is the test's account), (2) the Via sent-by -> our UDP socket, with
// rport, so the responses come back to us. Nothing else (From, To,
// Contact, Max-Forwards, Accept, the body) is touched.
std::string retarget(const std::string& raw, const UdpPeer& peer) {
  std::string m = raw;
  const std::string from = "INVITE sip:user@example.com SIP/2.0\r\n";
  if (m.rfind(from, 0) != 0) return {};
  m.replace(0, from.size(), "INVITE sip:user@" + std::string(kCallDomain) + " SIP/2.0\r\n");
  const std::string via = "\r\nVia: SIP/2.0/UDP ";
  const auto v = m.find(via);
  const auto branch = m.find(";branch=", v);
  const auto eol = m.find("\r\n", v + 2);
  if (v == std::string::npos || branch == std::string::npos || branch > eol) return {};
  m.insert(eol, ";rport");
  m.replace(v + via.size(), branch - v - via.size(), peer.ip() + ":" + std::to_string(peer.port()));
  return m;
}

void forwarded_as_is(const std::string& file, const std::string& phone_scenario, int phone_status) {
  const std::string row = manifest_row(file);
  const std::string raw = sip::testing::read_corpus_file(file);
  ASSERT_FALSE(raw.empty()) << "RFC 4475 corpus not found at " << sip::testing::corpus_dir();
  ASSERT_NE(row.find("\tsemantic\trole\t"), std::string::npos) << row;

  CallEnv env;
  env.provision(json::array({account_record("user", true)}));
  auto phone = env.phone("user", phone_scenario);
  UdpPeer peer;
  const std::string request = retarget(raw, peer);
  ASSERT_FALSE(request.empty()) << "unexpected shape of " << file;
  peer.send(request, "127.0.0.1", env.daemon.port());

  const auto final = peer.receive_final(Millis(10000));
  ASSERT_TRUE(final.has_value()) << "no final response\n" << env.daemon.stderr_text();
  EXPECT_EQ(sip_start_line(*final).substr(0, 11), "SIP/2.0 " + std::to_string(phone_status))
      << *final;
  // ACK for the non-2xx final response (same branch: the Via line as sent).
  const std::string cseq = sip_header(request, "CSeq");
  peer.send("ACK sip:user@" + std::string(kCallDomain) + " SIP/2.0\r\n" + line_of(request, "Via:") +
                "\r\n" + line_of(request, "From:") + "\r\nTo: " + sip_header(*final, "To") +
                "\r\nCall-ID: " + sip_header(request, "Call-ID") +
                "\r\nCSeq: " + cseq.substr(0, cseq.find(' ')) +
                " ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
            "127.0.0.1", env.daemon.port());
  EXPECT_EQ(phone->finish(kCall), 0) << phone->diagnostics() << env.daemon.stderr_text();

  const std::string invite = phone->logged("INVITE-RECEIVED");
  ASSERT_FALSE(invite.empty()) << phone->diagnostics();
  EXPECT_EQ(sip_body(invite), sip_body(raw)) << invite;
  EXPECT_FALSE(sip_body(raw).empty());
  EXPECT_EQ(sip_header(invite, "Content-Type"), sip_header(raw, "Content-Type")) << invite;
  EXPECT_EQ(sip_header(invite, "Max-Forwards"), "70") << invite;
  EXPECT_NE(sip_header(invite, "Call-ID"), sip_header(raw, "Call-ID")) << invite;
}

TEST(SipproxydRfc4475, InviteWithUnknownContentTypeIsForwarded) {
  forwarded_as_is("invut.dat", "call_uas_unsupported.xml", 415);
}

TEST(SipproxydRfc4475, Sdp01IsForwardedWithItsSdp) {
  forwarded_as_is("sdp01.dat", "call_uas_not_acceptable.xml", 406);
}

}  // namespace
}  // namespace sipsmith::itest
