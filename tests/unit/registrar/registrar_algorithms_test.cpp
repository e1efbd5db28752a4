// Digest algorithm policy of the registrar: the configured order is the
// order of the challenges, only listed algorithms are accepted, and
// User-Agent rules and the account's own list override the global one.
#include "registrar_test_support.hpp"

namespace sip::registrar::test {
namespace {

using auth::Algorithm;

// The algorithms of `m`'s WWW-Authenticate headers, in order.
std::vector<Algorithm> offered(const msg::Message& m) {
  std::vector<Algorithm> out;
  m.for_each(msg::HeaderId::WwwAuthenticate, [&](const msg::HeaderField& f) {
    if (auto c = auth::parse_challenge(*m.auth_at(f))) out.push_back(c->algorithm);
  });
  return out;
}

class RegistrarAlgorithms : public RegistrarTest {
 protected:
  Config with(auth::AlgorithmList algorithms) {
    Config c;
    c.algorithms = std::move(algorithms);
    return c;
  }
  // REGISTER answered with `a` to the challenge of `first`: the reply.
  std::optional<msg::Message> answer_with(Reg r, const msg::Message& first, Algorithm a) {
    r.cseq += 1;
    auth::Challenge c = challenge_for(first, a);
    r.authorization = {authorization(c, r.user, kPassword)};
    return send(r);
  }
  // A challenge for `a` the server did not offer (same nonce, other algorithm).
  static auth::Challenge forged(const msg::Message& first, Algorithm a) {
    auth::Challenge c =
        *auth::parse_challenge(*first.auth_at(*first.first(msg::HeaderId::WwwAuthenticate)));
    c.algorithm = a;
    return c;
  }
};

TEST_F(RegistrarAlgorithms, DefaultIsMd5Only) {
  // baresip 1.0 refuses a 401 that names any other algorithm, even second.
  EXPECT_EQ(Config{}.algorithms, (auth::AlgorithmList{Algorithm::Md5}));
  start(Config{});
  Reg r;
  const auto first = send(r);
  ASSERT_TRUE(first);
  EXPECT_EQ(offered(*first), (std::vector<Algorithm>{Algorithm::Md5}));
  EXPECT_EQ(values(*first, msg::HeaderId::WwwAuthenticate).size(), 1u);
  EXPECT_EQ(answer_with(r, *first, Algorithm::Md5)->status(), 200);
  // A SHA-256 answer (to a challenge never sent) is not accepted.
  Reg other;
  other.user = "1002";
  other.call_id = "reg-2@203.0.113.9";
  const auto second = send(other);
  other.cseq = 2;
  other.authorization = {authorization(forged(*second, Algorithm::Sha256), "1002", kPassword)};
  EXPECT_EQ(send(other)->status(), 401);
  EXPECT_TRUE(registrar->bindings(2).empty());
}

TEST_F(RegistrarAlgorithms, BothListedAreAccepted) {
  start(with({Algorithm::Md5, Algorithm::Sha256}));
  const auto first = send(Reg{});
  ASSERT_TRUE(first);
  EXPECT_EQ(offered(*first), (std::vector<Algorithm>{Algorithm::Md5, Algorithm::Sha256}));
  EXPECT_EQ(answer_with(Reg{}, *first, Algorithm::Md5)->status(), 200);
  Reg other;
  other.user = "1002";
  other.call_id = "reg-2@203.0.113.9";
  const auto second = send(other);
  EXPECT_EQ(answer_with(other, *second, Algorithm::Sha256)->status(), 200);
}

TEST_F(RegistrarAlgorithms, ConfiguredOrderIsTheOrderOnTheWire) {
  start(with({Algorithm::Sha256, Algorithm::Md5}));
  const auto a = send(Reg{});
  ASSERT_TRUE(a);
  EXPECT_EQ(offered(*a), (std::vector<Algorithm>{Algorithm::Sha256, Algorithm::Md5}));
  ASSERT_TRUE(registrar->reconfigure(with({Algorithm::Md5, Algorithm::Sha256})));
  Reg r;
  r.cseq = 5;
  const auto b = send(r);
  ASSERT_TRUE(b);
  EXPECT_EQ(offered(*b), (std::vector<Algorithm>{Algorithm::Md5, Algorithm::Sha256}));
  ASSERT_TRUE(registrar->reconfigure(with({Algorithm::Md5})));
  r.cseq = 9;
  EXPECT_EQ(offered(*send(r)), (std::vector<Algorithm>{Algorithm::Md5}));
}

TEST_F(RegistrarAlgorithms, Sha256OnlyRefusesACorrectMd5Answer) {
  start(with({Algorithm::Sha256}));
  Reg r;
  const auto first = send(r);
  ASSERT_TRUE(first);
  ASSERT_EQ(offered(*first), (std::vector<Algorithm>{Algorithm::Sha256}));
  // The right password, but MD5: challenged again, nothing registered.
  r.cseq = 2;
  r.authorization = {authorization(forged(*first, Algorithm::Md5), r.user, kPassword)};
  const auto md5 = send(r);
  ASSERT_TRUE(md5);
  EXPECT_EQ(md5->status(), 401);
  EXPECT_EQ(offered(*md5), (std::vector<Algorithm>{Algorithm::Sha256}));
  EXPECT_TRUE(registrar->bindings(1).empty());
  EXPECT_EQ(registrar->stats().ok, 0u);
  // SHA-256 works.
  EXPECT_EQ(answer_with(r, *md5, Algorithm::Sha256)->status(), 200);
  EXPECT_EQ(registrar->bindings(1).size(), 1u);
}

TEST_F(RegistrarAlgorithms, Md5OnlyRefusesASha256Answer) {
  start(with({Algorithm::Md5}));
  Reg r;
  const auto first = send(r);
  r.cseq = 2;
  r.authorization = {authorization(forged(*first, Algorithm::Sha256), r.user, kPassword)};
  EXPECT_EQ(send(r)->status(), 401);
  EXPECT_TRUE(registrar->bindings(1).empty());
}

TEST_F(RegistrarAlgorithms, UserAgentRulesChooseTheirOwnList) {
  Config c = with({Algorithm::Md5, Algorithm::Sha256});
  c.user_agent_rules = {{"^Cisco", std::chrono::seconds(120), {}},  // a cap only
                        {"Linphone", std::nullopt, {Algorithm::Sha256}},
                        {"Linphone|Old", std::nullopt, {Algorithm::Md5}}};
  start(c);
  Reg r;
  r.user_agent = "Linphone/5.1 (belle-sip/5.1)";
  const auto first = send(r);
  ASSERT_TRUE(first);
  EXPECT_EQ(offered(*first), (std::vector<Algorithm>{Algorithm::Sha256}));
  r.cseq = 2;
  r.authorization = {authorization(forged(*first, Algorithm::Md5), r.user, kPassword)};
  EXPECT_EQ(send(r)->status(), 401);  // MD5 not accepted from this phone
  EXPECT_EQ(answer_with(r, *first, Algorithm::Sha256)->status(), 200);

  Reg old;
  old.user = "1002";
  old.call_id = "reg-old@203.0.113.9";
  old.user_agent = "OldPhone 1.0";
  EXPECT_EQ(offered(*send(old)), (std::vector<Algorithm>{Algorithm::Md5}));
  Reg cisco = old;
  cisco.user_agent = "Cisco-SIPGateway";
  cisco.cseq = 7;
  EXPECT_EQ(offered(*send(cisco)), (std::vector<Algorithm>{Algorithm::Md5, Algorithm::Sha256}));
  EXPECT_EQ(registrar->digest_algorithms(nullptr, "Linphone"),
            (auth::AlgorithmList{Algorithm::Sha256}));
}

TEST_F(RegistrarAlgorithms, TheAccountsOwnListWinsOverRulesAndConfig) {
  Config c = with({Algorithm::Md5, Algorithm::Sha256});
  c.user_agent_rules = {{"Old", std::nullopt, {Algorithm::Md5}}};
  start(c);
  store::SipAccount a = make_account(1, "1001");
  a.digest_algorithms = "SHA-256";
  directory.upsert_account(a);
  Reg r;
  r.user_agent = "OldPhone";
  const auto first = send(r);
  ASSERT_TRUE(first);
  EXPECT_EQ(offered(*first), (std::vector<Algorithm>{Algorithm::Sha256}));
  r.cseq = 2;
  r.authorization = {authorization(forged(*first, Algorithm::Md5), r.user, kPassword)};
  EXPECT_EQ(send(r)->status(), 401);
  EXPECT_EQ(answer_with(r, *first, Algorithm::Sha256)->status(), 200);
  // Another account keeps the rule's list; unknown users the same.
  EXPECT_EQ(registrar->digest_algorithms(directory.get(2), "OldPhone"),
            (auth::AlgorithmList{Algorithm::Md5}));
  EXPECT_EQ(registrar->digest_algorithms(nullptr, "x"),
            (auth::AlgorithmList{Algorithm::Md5, Algorithm::Sha256}));
  a.digest_algorithms = "SHA-256,MD5";
  directory.upsert_account(a);
  EXPECT_EQ(registrar->digest_algorithms(directory.get(1), "OldPhone"),
            (auth::AlgorithmList{Algorithm::Sha256, Algorithm::Md5}));
}

TEST_F(RegistrarAlgorithms, BadListsAreRefused) {
  EXPECT_FALSE(registrar->reconfigure(with({})));
  EXPECT_FALSE(registrar->reconfigure(with({Algorithm::Md5, Algorithm::Md5})));
  EXPECT_FALSE(registrar->reconfigure(with({Algorithm::Sha512_256})));
  Config rule_without_setting;
  rule_without_setting.user_agent_rules = {{"x", std::nullopt, {}}};
  EXPECT_FALSE(registrar->reconfigure(rule_without_setting));
  // The running config (the fixture's) is kept.
  EXPECT_EQ(offered(*send(Reg{})), (std::vector<Algorithm>{Algorithm::Md5, Algorithm::Sha256}));
}

}  // namespace
}  // namespace sip::registrar::test
