#include "sip/dns/lookup.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "fake_source.hpp"
#include "sip/dns/errors.hpp"

namespace sip::dns {
namespace {

using test::FakeSource;
using transport::Kind;

class DnsLookup : public ::testing::Test {
 protected:
  DnsLookup() { config_.random = make_random(42); }

  Result<std::vector<Target>> run(const std::string& host, std::uint16_t port = 0,
                                  std::optional<Kind> transport = {}, bool sips = false) {
    auto q = make_query(host, port, transport, sips);
    EXPECT_TRUE(q) << host;
    std::optional<Result<std::vector<Target>>> out;
    run_lookup(source_, config_, *q, [&](Result<std::vector<Target>> r) { out = std::move(r); });
    EXPECT_TRUE(out.has_value()) << "fake answers synchronously, so the walk must be done";
    return out ? std::move(*out) : Result<std::vector<Target>>(make_failure(Failure::None));
  }

  static std::vector<std::string> strings(const Result<std::vector<Target>>& r) {
    std::vector<std::string> out;
    if (r) {
      for (const auto& t : *r) out.push_back(t.to_string());
    }
    return out;
  }

  FakeSource source_;
  LookupConfig config_;
};

NaptrRecord naptr(std::uint16_t order, const char* service, const char* replacement) {
  return NaptrRecord{order, 10, "s", service, "", replacement};
}

TEST_F(DnsLookup, NumericHostAsksNothing) {
  EXPECT_EQ(strings(run("192.0.2.1")), (std::vector<std::string>{"UDP 192.0.2.1:5060"}));
  EXPECT_EQ(strings(run("::1", 5070, Kind::Tcp)), (std::vector<std::string>{"TCP [::1]:5070"}));
  EXPECT_EQ(strings(run("192.0.2.1", 0, {}, true)),
            (std::vector<std::string>{"TLS 192.0.2.1:5061"}));
  EXPECT_TRUE(source_.asked().empty());
}

TEST_F(DnsLookup, ExplicitPortAsksOnlyAddresses) {
  source_.a("pbx.example.com", {"192.0.2.10", "2001:db8::10"});
  source_.naptr("pbx.example.com", {naptr(1, "SIP+D2T", "_sip._tcp.pbx.example.com")});
  const auto r = run("pbx.example.com", 5099);
  EXPECT_EQ(strings(r),
            (std::vector<std::string>{"UDP 192.0.2.10:5099", "UDP [2001:db8::10]:5099"}));
  ASSERT_EQ(source_.asked().size(), 2u);
  EXPECT_TRUE(source_.was_asked(RecordType::A, "pbx.example.com"));
  EXPECT_TRUE(source_.was_asked(RecordType::Aaaa, "pbx.example.com"));
}

TEST_F(DnsLookup, ExplicitTransportAsksItsSrvThenAddresses) {
  source_.srv("_sip._tcp.example.com", {{10, 0, 5062, "sip.example.com"}});
  source_.a("sip.example.com", {"192.0.2.20"});
  EXPECT_EQ(strings(run("example.com", 0, Kind::Tcp)),
            (std::vector<std::string>{"TCP 192.0.2.20:5062"}));
  EXPECT_FALSE(source_.was_asked(RecordType::Naptr, "example.com"));
}

TEST_F(DnsLookup, ExplicitTransportWithoutSrvUsesDefaultPort) {
  source_.a("example.com", {"192.0.2.30"});
  EXPECT_EQ(strings(run("example.com", 0, Kind::Tls)),
            (std::vector<std::string>{"TLS 192.0.2.30:5061"}));
  EXPECT_TRUE(source_.was_asked(RecordType::Srv, "_sips._tcp.example.com"));
}

TEST_F(DnsLookup, NaptrDecidesTransportOrder) {
  source_.naptr("example.com", {naptr(20, "SIP+D2U", "_sip._udp.example.com"),
                                naptr(10, "SIP+D2T", "_sip._tcp.example.com"),
                                naptr(5, "SIP+D2S", "_sip._sctp.example.com")});
  source_.srv("_sip._tcp.example.com", {{1, 0, 5060, "tcp.example.com"}});
  source_.srv("_sip._udp.example.com", {{1, 0, 5060, "udp.example.com"}});
  source_.a("tcp.example.com", {"192.0.2.1"}).a("udp.example.com", {"192.0.2.2"});
  EXPECT_EQ(strings(run("example.com")),
            (std::vector<std::string>{"TCP 192.0.2.1:5060", "UDP 192.0.2.2:5060"}));
  EXPECT_EQ(source_.asked().front(), (FakeSource::Key{RecordType::Naptr, "example.com"}));
  EXPECT_FALSE(source_.was_asked(RecordType::Srv, "_sip._sctp.example.com"));
  EXPECT_FALSE(source_.was_asked(RecordType::Srv, "_sips._tcp.example.com"));
}

TEST_F(DnsLookup, SipsUsesOnlySipsNaptr) {
  source_.naptr("example.com", {naptr(10, "SIP+D2U", "_sip._udp.example.com"),
                                naptr(20, "SIPS+D2T", "_sips._tcp.example.com")});
  source_.srv("_sips._tcp.example.com", {{1, 0, 5061, "tls.example.com"}});
  source_.srv("_sip._udp.example.com", {{1, 0, 5060, "udp.example.com"}});
  source_.a("tls.example.com", {"192.0.2.3"}).a("udp.example.com", {"192.0.2.2"});
  EXPECT_EQ(strings(run("example.com", 0, {}, true)),
            (std::vector<std::string>{"TLS 192.0.2.3:5061"}));
  EXPECT_FALSE(source_.was_asked(RecordType::Srv, "_sip._udp.example.com"));
}

TEST_F(DnsLookup, WithoutNaptrAsksAllSrvInPreferenceOrder) {
  source_.status(RecordType::Naptr, "example.com", AnswerStatus::NoData);
  source_.srv("_sip._udp.example.com", {{1, 0, 5060, "udp.example.com"}});
  source_.srv("_sips._tcp.example.com", {{1, 0, 5061, "tls.example.com"}});
  source_.a("udp.example.com", {"192.0.2.2"}).a("tls.example.com", {"192.0.2.3"});
  EXPECT_EQ(strings(run("example.com")),
            (std::vector<std::string>{"TLS 192.0.2.3:5061", "UDP 192.0.2.2:5060"}));
  EXPECT_TRUE(source_.was_asked(RecordType::Srv, "_sip._tcp.example.com"));
}

TEST_F(DnsLookup, WithoutNaptrAndSrvFallsBackToAddresses) {
  source_.a("example.com", {"192.0.2.5"});
  EXPECT_EQ(strings(run("example.com")), (std::vector<std::string>{"UDP 192.0.2.5:5060"}));
  EXPECT_EQ(strings(run("example.com", 0, {}, true)),
            (std::vector<std::string>{"TLS 192.0.2.5:5061"}));
}

TEST_F(DnsLookup, SupportedTransportsRestrictTheWalk) {
  config_.transports = {Kind::Udp};
  source_.naptr("example.com", {naptr(10, "SIP+D2T", "_sip._tcp.example.com")});
  source_.a("example.com", {"192.0.2.5"});
  EXPECT_EQ(strings(run("example.com")), (std::vector<std::string>{"UDP 192.0.2.5:5060"}));
  EXPECT_FALSE(source_.was_asked(RecordType::Srv, "_sip._tcp.example.com"));
  EXPECT_FALSE(source_.was_asked(RecordType::Srv, "_sips._tcp.example.com"));
  const auto sips = run("example.com", 0, {}, true);
  ASSERT_FALSE(sips);
  EXPECT_EQ(failure_of(sips.error()), Failure::BadInput);
}

TEST_F(DnsLookup, SrvPriorityOrderAndAddressFamilies) {
  source_.srv("_sip._udp.example.com",
              {{20, 0, 5080, "b.example.com"}, {10, 0, 5070, "a.example.com"}});
  source_.a("a.example.com", {"192.0.2.1", "2001:db8::1"}).a("b.example.com", {"192.0.2.2"});
  EXPECT_EQ(strings(run("example.com", 0, Kind::Udp)),
            (std::vector<std::string>{"UDP 192.0.2.1:5070", "UDP [2001:db8::1]:5070",
                                      "UDP 192.0.2.2:5080"}));
  config_.family = Family::Ipv6First;
  EXPECT_EQ(strings(run("example.com", 0, Kind::Udp)),
            (std::vector<std::string>{"UDP [2001:db8::1]:5070", "UDP 192.0.2.1:5070",
                                      "UDP 192.0.2.2:5080"}));
  config_.family = Family::Ipv4Only;
  const std::size_t before = source_.asked().size();
  EXPECT_EQ(strings(run("example.com", 0, Kind::Udp)),
            (std::vector<std::string>{"UDP 192.0.2.1:5070", "UDP 192.0.2.2:5080"}));
  for (std::size_t i = before; i < source_.asked().size(); ++i) {
    EXPECT_NE(source_.asked()[i].first, RecordType::Aaaa);
  }
}

TEST_F(DnsLookup, TtlIsTheSmallestAlongTheChain) {
  source_.naptr("example.com", {naptr(10, "SIP+D2U", "_sip._udp.example.com")}, 900);
  source_.srv("_sip._udp.example.com", {{1, 0, 5060, "a.example.com"}}, 120);
  source_.a("a.example.com", {"192.0.2.1"}, 600);
  const auto r = run("example.com");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].ttl, 120u);
  EXPECT_EQ((*r)[0].tls_name, "example.com");
}

TEST_F(DnsLookup, DuplicatesRemovedAndListCapped) {
  source_.srv("_sip._udp.example.com", {{1, 0, 5060, "a.example.com"},
                                        {2, 0, 5060, "A.example.com"},
                                        {3, 0, 5060, "b.example.com"}});
  source_.a("a.example.com", {"192.0.2.1"}).a("A.example.com", {"192.0.2.1"});
  source_.a("b.example.com", {"192.0.2.2", "192.0.2.3", "192.0.2.4"});
  EXPECT_EQ(strings(run("example.com", 0, Kind::Udp)).size(), 4u);
  config_.max_targets = 3;
  EXPECT_EQ(
      strings(run("example.com", 0, Kind::Udp)),
      (std::vector<std::string>{"UDP 192.0.2.1:5060", "UDP 192.0.2.2:5060", "UDP 192.0.2.3:5060"}));
}

TEST_F(DnsLookup, NaptrTimeoutEndsTheWalk) {
  source_.status(RecordType::Naptr, "example.com", AnswerStatus::Timeout);
  const auto r = run("example.com");
  ASSERT_FALSE(r);
  EXPECT_EQ(failure_of(r.error()), Failure::Timeout);
  EXPECT_EQ(source_.asked().size(), 1u);
}

TEST_F(DnsLookup, PartialSrvFailureStillUsesAnsweredRecords) {
  source_.status(RecordType::Srv, "_sips._tcp.example.com", AnswerStatus::ServerFailure);
  source_.srv("_sip._udp.example.com", {{1, 0, 5060, "a.example.com"}});
  source_.a("a.example.com", {"192.0.2.1"});
  EXPECT_EQ(strings(run("example.com")), (std::vector<std::string>{"UDP 192.0.2.1:5060"}));
  source_.status(RecordType::Srv, "_sip._udp.example.com", AnswerStatus::Timeout);
  const auto r = run("example.com");
  ASSERT_FALSE(r);
  EXPECT_TRUE(is_transient(failure_of(r.error())));
}

TEST_F(DnsLookup, NameErrorAndNoRecords) {
  const auto nx = run("nope.example.com");
  ASSERT_FALSE(nx);
  EXPECT_EQ(failure_of(nx.error()), Failure::NameError);

  source_.srv("_sip._udp.example.com", {});  // only "." targets: decidedly not available
  const auto none = run("example.com", 0, Kind::Udp);
  ASSERT_FALSE(none);
  EXPECT_EQ(failure_of(none.error()), Failure::NoRecords);
  EXPECT_FALSE(source_.was_asked(RecordType::A, "example.com"));
}

}  // namespace
}  // namespace sip::dns
