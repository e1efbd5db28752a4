// Registrar binding rules: queries, expiry policy (423, maximum, User-Agent
// caps), Contact: *, per-contact removal, +sip.instance keying, the binding
// limit, the 200 OK listing, Call-ID/CSeq ordering and NAT mangling. The
// IP-ACL account "acl" registers from 198.51.100.20 without a challenge.
#include "registrar_test_support.hpp"

namespace sip::registrar::test {
namespace {

constexpr store::Id kAcl = 3;
const From kPhone{"198.51.100.20:5070"};

Reg acl_reg(std::vector<std::string> contacts, std::uint32_t cseq = 1) {
  Reg r;
  r.user = "acl";
  r.contacts = std::move(contacts);
  r.cseq = cseq;
  return r;
}

// ";expires=N" of each Contact of a 200 OK, by URI.
std::map<std::string, long> listed(const msg::Message& ok) {
  std::map<std::string, long> out;
  ok.for_each(msg::HeaderId::Contact, [&](const msg::HeaderField& f) {
    const auto c = ok.contact_at(f);
    out[std::string(c->addr.uri.text)] = static_cast<long>(c->expires().value_or(~0u));
  });
  return out;
}

class RegistrarBindings : public RegistrarTest {
 protected:
  int status(const Reg& r, const From& from = kPhone) {
    const auto resp = send(r, from);
    return resp ? resp->status() : 0;
  }
};

TEST_F(RegistrarBindings, QueryWithoutContactListsBindings) {
  ASSERT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>"}, 1)), 200);
  const auto q = send(acl_reg({}, 2), kPhone);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->status(), 200);
  EXPECT_EQ(listed(*q), (std::map<std::string, long>{{"sip:a@198.51.100.20:5070", 3600}}));
  EXPECT_EQ(persistence.saves, 1);
}

TEST_F(RegistrarBindings, BelowMinimumIs423WithMinExpires) {
  Reg r = acl_reg({"<sip:a@198.51.100.20:5070>;expires=30"});
  const auto resp = send(r, kPhone);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status(), 423);
  EXPECT_EQ(resp->value(msg::HeaderId::MinExpires), "60");
  r = acl_reg({"<sip:a@198.51.100.20:5070>"}, 2);
  r.expires = "59";
  EXPECT_EQ(status(r), 423);
  EXPECT_TRUE(registrar->all_bindings().empty());
  EXPECT_EQ(persistence.saves, 0);
}

TEST_F(RegistrarBindings, GrantedExpiryIsCappedByMaximumAndUserAgentRule) {
  Config cfg = test_config();
  cfg.max_expires = 1800s;
  cfg.user_agent_rules = {{"^Cisco", 120s, {}}, {"Phone", 30s, {}}};
  start(cfg);
  Reg r = acl_reg({"<sip:a@198.51.100.20:5070>;expires=7200"});
  const auto big = send(r, kPhone);
  EXPECT_EQ(listed(*big)["sip:a@198.51.100.20:5070"], 1800);
  r = acl_reg({"<sip:b@198.51.100.20:5070>;expires=600"}, 2);
  r.user_agent = "Cisco-CP7960G/8.0";
  const auto cisco = send(r, kPhone);
  EXPECT_EQ(listed(*cisco)["sip:b@198.51.100.20:5070"], 120);
  // A rule below the minimum cannot undercut it.
  r = acl_reg({"<sip:c@198.51.100.20:5070>;expires=600"}, 3);
  r.user_agent = "SoftPhone 1.0";
  const auto soft = send(r, kPhone);
  EXPECT_EQ(listed(*soft)["sip:c@198.51.100.20:5070"], 60);
  EXPECT_FALSE(registrar->reconfigure([] {
    Config bad;
    bad.user_agent_rules = {{"(unclosed", 60s, {}}};
    return bad;
  }()));
}

TEST_F(RegistrarBindings, ExpiresHeaderAndDefaultApply) {
  Reg r = acl_reg({"<sip:a@198.51.100.20:5070>", "<sip:b@198.51.100.20:5070>;expires=100"});
  r.expires = "300";
  const auto ok = send(r, kPhone);
  EXPECT_EQ(listed(*ok), (std::map<std::string, long>{{"sip:a@198.51.100.20:5070", 300},
                                                      {"sip:b@198.51.100.20:5070", 100}}));
}

TEST_F(RegistrarBindings, ContactStarRules) {
  ASSERT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>", "<sip:b@198.51.100.20:5070>"}, 1)), 200);
  Reg star = acl_reg({"*"}, 2);
  EXPECT_EQ(status(star), 400);  // no Expires: 0
  star.expires = "10";
  EXPECT_EQ(status(star), 400);
  Reg mixed = acl_reg({"*", "<sip:c@198.51.100.20:5070>"}, 3);
  mixed.expires = "0";
  EXPECT_EQ(status(mixed), 400);
  EXPECT_EQ(registrar->bindings(kAcl).size(), 2u);
  star = acl_reg({"*"}, 4);
  star.expires = "0";
  const auto ok = send(star, kPhone);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status(), 200);
  EXPECT_EQ(ok->count(msg::HeaderId::Contact), 0u);
  EXPECT_TRUE(registrar->bindings(kAcl).empty());
  EXPECT_TRUE(persistence.rows.empty());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[3].kind, BindingEvent::Kind::Removed);
  EXPECT_EQ(events[3].reason, RemovalReason::ClientExpiredAll);
}

TEST_F(RegistrarBindings, ExpiresZeroRemovesOneContact) {
  ASSERT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>", "<sip:b@198.51.100.20:5070>"}, 1)), 200);
  // URI equality (RFC 3261 19.1.4): the host compares case-insensitively.
  const auto ok = send(acl_reg({"<sip:a@198.51.100.20:5070>;expires=0"}, 2), kPhone);
  ASSERT_TRUE(ok);
  EXPECT_EQ(listed(*ok), (std::map<std::string, long>{{"sip:b@198.51.100.20:5070", 3600}}));
  EXPECT_FALSE(persistence.has(kAcl, "sip:a@198.51.100.20:5070"));
  EXPECT_EQ(events.back().reason, RemovalReason::ClientExpiredSpecific);
  // Removing an unknown contact changes nothing and is still a 200.
  EXPECT_EQ(status(acl_reg({"<sip:zz@198.51.100.20:5070>;expires=0"}, 3)), 200);
}

TEST_F(RegistrarBindings, RefreshMatchesByUriEquality) {
  ASSERT_EQ(status(acl_reg({"<sip:a@Host.Example:5070;transport=udp>"}, 1)), 200);
  ASSERT_EQ(status(acl_reg({"<sip:a@host.example:5070;TRANSPORT=udp>;expires=600"}, 2)), 200);
  const auto b = registrar->bindings(kAcl);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact_key, "sip:a@Host.Example:5070;transport=udp");  // the identity stays
  EXPECT_EQ(b[0].contact_uri, "sip:a@host.example:5070;TRANSPORT=udp");  // as last sent
  EXPECT_EQ(b[0].cseq, 2u);
  EXPECT_EQ(events.back().kind, BindingEvent::Kind::Refreshed);
}

TEST_F(RegistrarBindings, InstanceIdKeysTheBinding) {
  const std::string inst = ";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"";
  ASSERT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>" + inst}, 1)), 200);
  const auto ok = send(acl_reg({"<sip:a@198.51.100.20:6000>" + inst}, 2), kPhone);
  ASSERT_TRUE(ok);
  const auto b = registrar->bindings(kAcl);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact_key, "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>");
  EXPECT_EQ(b[0].instance_id, b[0].contact_key);
  EXPECT_EQ(b[0].contact_uri, "sip:a@198.51.100.20:6000");
  const auto contacts = values(*ok, msg::HeaderId::Contact);
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_NE(contacts[0].find(inst), std::string::npos) << contacts[0];
  EXPECT_EQ(persistence.rows.size(), 1u);
}

TEST_F(RegistrarBindings, BindingLimitEvictsTheOldest) {
  Config cfg = test_config();
  cfg.max_bindings = 2;
  start(cfg);
  ASSERT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>"}, 1)), 200);
  timers.advance(10s);
  ASSERT_EQ(status(acl_reg({"<sip:b@198.51.100.20:5070>"}, 2)), 200);
  timers.advance(10s);
  ASSERT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>"}, 3)), 200);  // a is fresher now
  timers.advance(10s);
  const auto ok = send(acl_reg({"<sip:c@198.51.100.20:5070>"}, 4), kPhone);
  ASSERT_TRUE(ok);
  EXPECT_EQ(listed(*ok), (std::map<std::string, long>{{"sip:a@198.51.100.20:5070", 3590},
                                                      {"sip:c@198.51.100.20:5070", 3600}}));
  EXPECT_FALSE(persistence.has(kAcl, "sip:b@198.51.100.20:5070"));
  EXPECT_EQ(registrar->stats().evicted, 1u);
  const auto removed = std::find_if(events.begin(), events.end(), [](const BindingEvent& e) {
    return e.kind == BindingEvent::Kind::Removed;
  });
  ASSERT_NE(removed, events.end());
  EXPECT_EQ(removed->binding.contact_uri, "sip:b@198.51.100.20:5070");
  EXPECT_EQ(removed->reason, RemovalReason::ExceededPerUserLimit);
  // More contacts in one request than the limit is refused.
  EXPECT_EQ(status(acl_reg(
                {"<sip:x@198.51.100.20>", "<sip:y@198.51.100.20>", "<sip:z@198.51.100.20>"}, 5)),
            403);
}

TEST_F(RegistrarBindings, OkListsEveryBindingWithRemainingExpiry) {
  ASSERT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>;expires=600"}, 1)), 200);
  timers.advance(100s);
  const auto ok = send(acl_reg({"<sip:b@198.51.100.20:5070>;expires=300"}, 2), kPhone);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status(), 200);
  EXPECT_EQ(listed(*ok), (std::map<std::string, long>{{"sip:a@198.51.100.20:5070", 500},
                                                      {"sip:b@198.51.100.20:5070", 300}}));
  EXPECT_FALSE(ok->to()->tag().empty());
  EXPECT_EQ(ok->value(msg::HeaderId::Server), "sipsmith");
  EXPECT_TRUE(ok->value(msg::HeaderId::Date).ends_with(" GMT"));
  EXPECT_EQ(ok->value(msg::HeaderId::Date), "Tue, 14 Nov 2023 22:15:00 GMT");
}

TEST_F(RegistrarBindings, OkOnlyAfterPersistenceCompletes) {
  persistence.defer = true;
  EXPECT_FALSE(send(acl_reg({"<sip:a@198.51.100.20:5070>"}, 1), kPhone));
  EXPECT_TRUE(registrar->bindings(kAcl).empty());
  // A second REGISTER of the account waits for the first.
  EXPECT_FALSE(send(acl_reg({"<sip:b@198.51.100.20:5070>"}, 2), kPhone));
  EXPECT_EQ(persistence.pending.size(), 1u);
  persistence.complete();  // the first is durable: 200; the second starts
  ASSERT_EQ(registrar->bindings(kAcl).size(), 1u);
  EXPECT_EQ(last().status(), 200);
  EXPECT_EQ(persistence.pending.size(), 1u);
  persistence.complete();
  EXPECT_EQ(registrar->bindings(kAcl).size(), 2u);
  EXPECT_EQ(listed(last()).size(), 2u);
}

TEST_F(RegistrarBindings, RefreshMovingOnlyTheExpiryIsWrittenBehind) {
  persistence.behind = true;
  ASSERT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>;expires=600"}, 1)), 200);
  EXPECT_EQ(persistence.saves, 1);  // a new binding writes through
  persistence.defer = true;
  timers.advance(10s);
  // The refresh is answered without waiting for the store.
  const auto ok = send(acl_reg({"<sip:a@198.51.100.20:5070>;expires=900"}, 2), kPhone);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status(), 200);
  EXPECT_TRUE(persistence.pending.empty());
  EXPECT_EQ(persistence.behind_saves, 1);
  const auto b = registrar->bindings(kAcl);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].expires - timers.clock().unix_seconds(), 900);
  EXPECT_EQ(persistence.rows.begin()->second.expires, b[0].expires);
  // Another contact in the same request is a change: the 200 waits for it.
  EXPECT_FALSE(
      send(acl_reg({"<sip:a@198.51.100.20:5070>;expires=900", "<sip:b@198.51.100.20:5070>"}, 3),
           kPhone));
  EXPECT_EQ(persistence.pending.size(), 1u);
  EXPECT_EQ(persistence.behind_saves, 2);
  persistence.complete();
  EXPECT_EQ(last().status(), 200);
  EXPECT_EQ(registrar->bindings(kAcl).size(), 2u);
}

TEST_F(RegistrarBindings, RefreshFromAnotherSourceWritesThrough) {
  persistence.behind = true;
  ASSERT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>;expires=600"}, 1)), 200);
  persistence.defer = true;
  const From moved{"198.51.100.20:5071"};  // the NAT mapping moved: remote changes
  EXPECT_FALSE(send(acl_reg({"<sip:a@198.51.100.20:5070>;expires=900"}, 2), moved));
  EXPECT_EQ(persistence.behind_saves, 0);
  EXPECT_EQ(persistence.pending.size(), 1u);
  persistence.complete();
  EXPECT_EQ(last().status(), 200);
}

TEST_F(RegistrarBindings, PersistenceFailureAnswers500AndChangesNothing) {
  ASSERT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>;expires=600"}, 1)), 200);
  persistence.fail = true;
  const auto failed = send(
      acl_reg({"<sip:a@198.51.100.20:5070>;expires=900", "<sip:b@198.51.100.20:5070>"}, 2), kPhone);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status(), 500);
  const auto b = registrar->bindings(kAcl);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].expires - timers.clock().unix_seconds(), 600);
  EXPECT_EQ(registrar->stats().persist_failures, 1u);
  persistence.fail = false;
  EXPECT_EQ(persistence.rows.size(), 1u);
  EXPECT_EQ(persistence.rows.begin()->second.expires, b[0].expires);
}

TEST_F(RegistrarBindings, PartialPersistenceIsRolledBackInTheStore) {
  persistence.defer = true;
  EXPECT_FALSE(
      send(acl_reg({"<sip:a@198.51.100.20:5070>", "<sip:b@198.51.100.20:5070>"}, 1), kPhone));
  ASSERT_EQ(persistence.pending.size(), 2u);
  auto ops = std::move(persistence.pending);
  persistence.pending.clear();
  ops[0]();  // a is written
  persistence.fail = true;
  ops[1]();  // b fails: 500, and a is erased again
  EXPECT_EQ(last().status(), 500);
  persistence.fail = false;
  persistence.complete();  // the compensation
  EXPECT_TRUE(persistence.rows.empty());
  EXPECT_TRUE(registrar->bindings(kAcl).empty());
}

TEST_F(RegistrarBindings, SameCallIdWithOldCSeqIsRefused) {
  ASSERT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>"}, 5)), 200);
  EXPECT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>;expires=0"}, 5)), 500);
  EXPECT_EQ(status(acl_reg({"<sip:a@198.51.100.20:5070>;expires=0"}, 4)), 500);
  EXPECT_EQ(registrar->bindings(kAcl).size(), 1u);
  Reg other_call = acl_reg({"<sip:a@198.51.100.20:5070>;expires=0"}, 1);
  other_call.call_id = "another-call";
  EXPECT_EQ(status(other_call), 200);
  EXPECT_TRUE(registrar->bindings(kAcl).empty());
}

TEST_F(RegistrarBindings, NatMangling) {
  // Private contact address: the public source replaces host and port.
  ASSERT_EQ(status(acl_reg({"<sip:a@192.168.1.20:5060;transport=udp;ob>"}, 1)), 200);
  auto b = registrar->bindings(kAcl);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact_uri, "sip:a@192.168.1.20:5060;transport=udp;ob");
  EXPECT_EQ(b[0].mangled_uri, "sip:a@198.51.100.20:5070;ob");
  EXPECT_EQ(b[0].remote, "198.51.100.20:5070");
  EXPECT_EQ(b[0].local, "192.0.2.1:5060");
  EXPECT_EQ(b[0].transport, "udp");
  // Over TCP the mangled contact says so.
  ASSERT_EQ(status(acl_reg({"<sip:t@10.0.0.7>"}, 2),
                   From{"198.51.100.20:40000", transport::Kind::Tcp, 9}),
            200);
  b = registrar->bindings(kAcl);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].mangled_uri, "sip:t@198.51.100.20:40000;transport=tcp");
  EXPECT_EQ(b[1].transport, "tcp");
  // A public contact equal to the source stays; a host name stays.
  ASSERT_EQ(status(acl_reg({"<sip:p@198.51.100.20:5070>", "<sip:n@phone.example>"}, 3)), 200);
  for (const auto& x : registrar->bindings(kAcl)) {
    if (x.contact_uri.starts_with("sip:p@") || x.contact_uri.starts_with("sip:n@")) {
      EXPECT_EQ(x.mangled_uri, x.contact_uri);
    }
  }
  // dont_mangle keeps the private contact.
  store::SipAccount a = acl_account(kAcl, "acl");
  a.dont_mangle = true;
  directory.upsert_account(a);
  ASSERT_EQ(status(acl_reg({"<sip:d@192.168.1.21:5060>"}, 4)), 200);
  for (const auto& x : registrar->bindings(kAcl)) {
    if (x.contact_uri.starts_with("sip:d@")) {
      EXPECT_EQ(x.mangled_uri, x.contact_uri);
    }
  }
}

}  // namespace
}  // namespace sip::registrar::test
