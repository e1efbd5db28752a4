// The RFC 4475 registrar rows (regaut01, cparam01, cparam02, regescrt, and
// regbadct) fed through a real Registrar behind a TransactionLayer: the
// Directory serves the corpus domain (example.com) with the accounts named in
// the messages; accounts that must register without a challenge have an IP
// ACL matching the test source, so what is tested is the contact handling.
// Reads the shared corpus like rfc4475_test.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../unit/registrar/registrar_test_support.hpp"
#include "corpus.hpp"
#include "sip/parser/parse.hpp"

namespace sip::registrar::test {
namespace {

const From kSource{"192.0.2.7:5060"};

// The manifest's expected reaction of `file` ("role", "400|accept", ...).
std::string manifest_expect(const std::string& file) {
  std::ifstream in(sip::testing::corpus_dir() / "MANIFEST.tsv");
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string name, section, cls, expect;
    if (std::getline(ss, name, '\t') && name == file && std::getline(ss, section, '\t') &&
        std::getline(ss, cls, '\t') && std::getline(ss, expect, '\t'))
      return expect;
  }
  return {};
}

class Rfc4475Registrar : public RegistrarTest {
 protected:
  Rfc4475Registrar() {
    store::Domain d;
    d.id = 1;
    d.name = "example.com";
    directory.set_domains({d});
    std::vector<store::SipAccount> accounts;
    store::Id id = 1;
    for (const char* name : {"j.user", "watson", "user"}) {
      store::SipAccount a;
      a.id = id++;
      a.owner_id = 1;
      a.username = name;
      a.domain = "example.com";
      a.ha1_md5 = *auth::ha1(auth::DigestHash::Md5, name, "example.com", "pw");
      a.ha1_sha256 = *auth::ha1(auth::DigestHash::Sha256, name, "example.com", "pw");
      a.keepalive = store::KeepAliveMode::None;
      if (std::string_view(name) != "j.user") a.ip_acl = "192.0.2.0/24";
      accounts.push_back(a);
    }
    directory.set_accounts(std::move(accounts));
  }

  // Feeds a corpus file (optionally edited) and returns the response.
  // Feeds a corpus file, with (from, to) replacements applied, and returns
  // the response.
  std::optional<msg::Message> feed(const std::string& file,
                                   std::vector<std::pair<std::string, std::string>> edits = {}) {
    std::string bytes = sip::testing::read_corpus_file(file);
    EXPECT_FALSE(bytes.empty()) << "missing corpus file " << file;
    EXPECT_EQ(manifest_expect(file).empty(), false) << file << " not in the manifest";
    for (const auto& [from, to] : edits) {
      const auto at = bytes.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) bytes.replace(at, from.size(), to);
    }
    auto m = parser::parse_datagram(std::move(bytes));
    EXPECT_TRUE(m) << file << ": " << m.error().to_string();
    if (!m) return std::nullopt;
    const std::size_t before = sender.sent.size();
    layer.on_inbound(
        txn::test::arrive(std::move(m).value(), kSource.kind, kSource.remote, kSource.flow));
    if (sender.sent.size() == before) return std::nullopt;
    return parse(sender.sent.back().bytes);
  }
  std::vector<store::Binding> stored(store::Id account) const {
    std::vector<store::Binding> out;
    for (const auto& [key, b] : persistence.rows)
      if (key.first == account) out.push_back(b);
    return out;
  }
};

// 3.3.7: an Authorization with an unknown scheme is ignored; the request is
// challenged.
TEST_F(Rfc4475Registrar, Regaut01IsChallenged) {
  EXPECT_EQ(manifest_expect("regaut01.dat"), "role");
  const auto resp = feed("regaut01.dat");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status(), 401);
  const auto c = challenge_for(*resp, auth::Algorithm::Sha256);
  EXPECT_EQ(c.realm, "example.com");
  EXPECT_EQ(resp->count(msg::HeaderId::WwwAuthenticate), 2u);
  EXPECT_EQ(registrar->stats().auth_failures, 0u);
}

// 3.3.12: "Contact: sip:...;unknownparam" is an addr-spec, so ;unknownparam
// is a header parameter, not part of the stored URI; an ;expires header
// parameter in the same position applies.
TEST_F(Rfc4475Registrar, Cparam01StoresTheUriWithoutHeaderParams) {
  EXPECT_EQ(manifest_expect("cparam01.dat"), "role");
  const auto resp = feed("cparam01.dat");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status(), 200);
  const auto b = stored(2);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact_uri, "sip:+19725552222@gw1.example.net");
  EXPECT_EQ(b[0].expires - timers.clock().unix_seconds(), 3600);  // default: no expires given

  // A new transaction (branch), a higher CSeq, and ;expires=120 after the
  // unknown header parameter.
  const auto with_expires = feed("cparam01.dat", {{"branch=z9hG4bKkdjuw", "branch=z9hG4bKkdjuw2"},
                                                  {"CSeq: 2 ", "CSeq: 3 "},
                                                  {";unknownparam", ";unknownparam;expires=120"}});
  ASSERT_TRUE(with_expires);
  EXPECT_EQ(with_expires->status(), 200);
  const auto refreshed = stored(2);
  ASSERT_EQ(refreshed.size(), 1u);
  EXPECT_EQ(refreshed[0].expires - timers.clock().unix_seconds(), 120);
  EXPECT_NE(std::string(with_expires->value(msg::HeaderId::Contact)).find(";expires=120"),
            std::string::npos);
}

// 3.3.13: inside <>, ;unknownparam is a URI parameter and is stored.
TEST_F(Rfc4475Registrar, Cparam02StoresTheUrlParameter) {
  EXPECT_EQ(manifest_expect("cparam02.dat"), "role");
  const auto resp = feed("cparam02.dat");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status(), 200);
  const auto b = stored(2);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact_uri, "sip:+19725552222@gw1.example.net;unknownparam");
  EXPECT_EQ(
      values(*resp, msg::HeaderId::Contact),
      std::vector<std::string>{"<sip:+19725552222@gw1.example.net;unknownparam>;expires=3600"});
}

// 3.3.14: the escaped ?Route header of the contact URI is kept as sent.
TEST_F(Rfc4475Registrar, RegescrtKeepsTheEscapedRouteHeader) {
  EXPECT_EQ(manifest_expect("regescrt.dat"), "role");
  const auto resp = feed("regescrt.dat");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status(), 200);
  const auto b = stored(3);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact_uri, "sip:user@example.com?Route=%3Csip:sip.example.com%3E");
  EXPECT_EQ(b[0].mangled_uri, b[0].contact_uri);  // a host name: not mangled
}

// 3.1.2.13: a Contact addr-spec with '?' outside <> is invalid; the manifest
// allows 400 or accepting; the registrar answers 400 and stores nothing.
TEST_F(Rfc4475Registrar, RegbadctIsRejected) {
  const std::string expect = manifest_expect("regbadct.dat");
  ASSERT_FALSE(expect.empty());
  const auto resp = feed("regbadct.dat");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status(), 400);
  EXPECT_NE(("|" + expect + "|").find("|400|"), std::string::npos) << expect;
  EXPECT_TRUE(stored(3).empty());
}

}  // namespace
}  // namespace sip::registrar::test
