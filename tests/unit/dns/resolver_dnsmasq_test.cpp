// Resolver against a real DNS server: dnsmasq on a loopback port with SRV,
// NAPTR, A and AAAA test records (TTL 60 s). Fails, never skips, when
// dnsmasq is missing: the project's test script installs dnsmasq-base.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "dns_test_util.hpp"
#include "dnsmasq_server.hpp"
#include "sip/dns/resolver.hpp"

namespace sip::dns {
namespace {

using std::chrono::seconds;
using test::CoreLoop;
using test::DnsmasqServer;
using test::resolve_sync;
using test::UdpSocket;

std::vector<std::string> strings(const Result<std::vector<Target>>& r) {
  std::vector<std::string> out;
  if (r) {
    for (const auto& t : *r) out.push_back(t.to_string());
  }
  return out;
}

class ResolverDnsmasq : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      start_server();
    } catch (const std::exception& e) {
      error_ = std::string("test set-up failed: ") + e.what();
    }
  }
  static void start_server() {
    silent_ = new UdpSocket("127.0.0.1");  // failover: first SRV target, never answers
    live_ = new UdpSocket("127.0.0.2");    // failover: second SRV target, answers
    const std::vector<std::string> records = {
        "--local-ttl=60",
        "--srv-host=_sip._udp.example.test,sip1.example.test,5070,10,0",
        "--srv-host=_sip._udp.example.test,sip2.example.test,5080,20,0",
        "--host-record=sip1.example.test,127.0.0.1",
        "--host-record=sip2.example.test,127.0.0.2,::1",
        "--naptr-record=naptr.example.test,5,50,s,SIP+D2S,,_sip._sctp.naptr.example.test",
        "--naptr-record=naptr.example.test,10,50,s,SIP+D2T,,_sip._tcp.naptr.example.test",
        "--naptr-record=naptr.example.test,20,50,s,SIP+D2U,,_sip._udp.naptr.example.test",
        "--naptr-record=naptr.example.test,30,50,s,SIPS+D2T,,_sips._tcp.naptr.example.test",
        "--srv-host=_sip._sctp.naptr.example.test,sip1.example.test,5099,10,0",
        "--srv-host=_sip._tcp.naptr.example.test,sip1.example.test,5090,10,0",
        "--srv-host=_sip._udp.naptr.example.test,sip2.example.test,5091,10,0",
        "--srv-host=_sips._tcp.naptr.example.test,sip1.example.test,5061,10,0",
        "--srv-host=_sip._udp.failover.example.test,dead.example.test," +
            std::to_string(silent_->port()) + ",10,0",
        "--srv-host=_sip._udp.failover.example.test,live.example.test," +
            std::to_string(live_->port()) + ",20,0",
        "--host-record=dead.example.test,127.0.0.1",
        "--host-record=live.example.test,127.0.0.2",
    };
    server_ = DnsmasqServer::start(records, error_).release();
  }
  static void TearDownTestSuite() {
    delete server_;  // SIGTERM by PID, then reaped
    delete silent_;
    delete live_;
    server_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(server_, nullptr) << error_; }

  std::unique_ptr<Resolver> make(Family family = Family::Ipv4First) {
    ResolverOptions o;
    o.nameservers = {server_->nameserver()};
    o.timeout = std::chrono::milliseconds(1000);
    o.tries = 2;
    o.family = family;
    o.clock = &clock_;
    o.random = make_random(1);
    o.on_query = [this](RecordType type, std::string_view name) {
      std::lock_guard lock(mu_);
      queries_.push_back(std::string(record_type_name(type)) + " " + std::string(name));
    };
    return std::make_unique<Resolver>(std::move(o), loop_.post_fn());
  }
  std::vector<std::string> queries() {
    std::lock_guard lock(mu_);
    return queries_;
  }
  void forget_queries() {
    std::lock_guard lock(mu_);
    queries_.clear();
  }

  static inline DnsmasqServer* server_ = nullptr;
  static inline std::string error_;
  static inline UdpSocket* silent_ = nullptr;
  static inline UdpSocket* live_ = nullptr;

  CoreLoop loop_;
  ManualClock clock_;
  std::mutex mu_;
  std::vector<std::string> queries_;
};

TEST_F(ResolverDnsmasq, SrvOrderWithAddressExpansion) {
  auto r = make();
  const auto res = resolve_sync(*r, loop_, "sip:alice@example.test");
  ASSERT_TRUE(res) << res.error().to_string();
  EXPECT_EQ(strings(res), (std::vector<std::string>{"UDP 127.0.0.1:5070", "UDP 127.0.0.2:5080",
                                                    "UDP [::1]:5080"}));
  for (const auto& t : *res) {
    EXPECT_EQ(t.tls_name, "example.test");
    EXPECT_EQ(t.ttl, 60u);
  }
  auto q = queries();
  std::sort(q.begin(), q.end());
  EXPECT_EQ(q, (std::vector<std::string>{
                   "A sip1.example.test", "A sip2.example.test", "AAAA sip1.example.test",
                   "AAAA sip2.example.test", "NAPTR example.test", "SRV _sip._tcp.example.test",
                   "SRV _sip._udp.example.test", "SRV _sips._tcp.example.test"}));
}

TEST_F(ResolverDnsmasq, NaptrChoosesTransports) {
  auto r = make();
  const auto res = resolve_sync(*r, loop_, "sip:naptr.example.test");
  ASSERT_TRUE(res) << res.error().to_string();
  EXPECT_EQ(strings(res), (std::vector<std::string>{"TCP 127.0.0.1:5090", "UDP 127.0.0.2:5091",
                                                    "UDP [::1]:5091", "TLS 127.0.0.1:5061"}));
  const auto q = queries();
  EXPECT_EQ(q.front(), "NAPTR naptr.example.test");
  EXPECT_EQ(std::count(q.begin(), q.end(), "SRV _sip._sctp.naptr.example.test"), 0);

  const auto sips = resolve_sync(*r, loop_, "sips:naptr.example.test");
  ASSERT_TRUE(sips) << sips.error().to_string();
  EXPECT_EQ(strings(sips), (std::vector<std::string>{"TLS 127.0.0.1:5061"}));
  EXPECT_EQ((*sips)[0].tls_name, "naptr.example.test");
}

TEST_F(ResolverDnsmasq, ExplicitPortQueriesOnlyAddresses) {
  auto r = make();
  const auto res = resolve_sync(*r, loop_, "sip:sip2.example.test:5999;transport=tcp");
  ASSERT_TRUE(res) << res.error().to_string();
  EXPECT_EQ(strings(res), (std::vector<std::string>{"TCP 127.0.0.2:5999", "TCP [::1]:5999"}));
  auto q = queries();
  std::sort(q.begin(), q.end());
  EXPECT_EQ(q, (std::vector<std::string>{"A sip2.example.test", "AAAA sip2.example.test"}));

  auto v6 = make(Family::Ipv6First);
  EXPECT_EQ(strings(resolve_sync(*v6, loop_, "sip:sip2.example.test:5999")),
            (std::vector<std::string>{"UDP [::1]:5999", "UDP 127.0.0.2:5999"}));
}

TEST_F(ResolverDnsmasq, CacheHonoursPositiveAndNegativeTtls) {
  auto r = make();
  ASSERT_TRUE(resolve_sync(*r, loop_, "sip:example.test"));
  const auto first = r->stats();
  EXPECT_EQ(first.queries_sent, 8u);

  forget_queries();
  const auto again = resolve_sync(*r, loop_, "sip:example.test");
  ASSERT_TRUE(again);
  EXPECT_EQ(r->stats().queries_sent, first.queries_sent);  // all from the cache
  EXPECT_EQ(r->stats().cache_hits, first.cache_hits + 8);
  EXPECT_TRUE(queries().empty());

  clock_.advance(seconds(31));  // negative answers (30 s) expire, positive (60 s) stay
  const auto later = resolve_sync(*r, loop_, "sip:example.test");
  ASSERT_TRUE(later);
  EXPECT_EQ((*later)[0].ttl, 29u);  // time left of the cached records
  auto q = queries();
  std::sort(q.begin(), q.end());
  EXPECT_EQ(
      q, (std::vector<std::string>{"AAAA sip1.example.test", "NAPTR example.test",
                                   "SRV _sip._tcp.example.test", "SRV _sips._tcp.example.test"}));

  forget_queries();
  clock_.advance(seconds(31));  // everything has expired now
  ASSERT_TRUE(resolve_sync(*r, loop_, "sip:example.test"));
  EXPECT_EQ(queries().size(), 8u);
}

TEST_F(ResolverDnsmasq, UnknownNameIsNameErrorAndCachedNegatively) {
  auto r = make();
  const auto res = resolve_sync(*r, loop_, "sip:nope.example.test");
  ASSERT_FALSE(res);
  EXPECT_EQ(failure_of(res.error()), Failure::NameError) << res.error().to_string();
  const auto sent = r->stats().queries_sent;
  EXPECT_GT(sent, 0u);
  ASSERT_FALSE(resolve_sync(*r, loop_, "sip:nope.example.test"));
  EXPECT_EQ(r->stats().queries_sent, sent);
}

// RFC 3263 4.3 with a real server: the first SRV target never answers, so the
// client walking the cursor reaches the second one.
TEST_F(ResolverDnsmasq, SrvFailoverReachesSecondTarget) {
  auto r = make();
  const auto res = resolve_sync(*r, loop_, "sip:failover.example.test");
  ASSERT_TRUE(res) << res.error().to_string();
  ASSERT_EQ(res->size(), 2u);
  TargetCursor cursor(*res);
  UdpSocket client;
  std::string reached;
  constexpr auto kWait = std::chrono::milliseconds(200);
  while (const Target* t = cursor.current()) {
    client.send_to(t->address, "ping");
    if (auto got = live_->receive(kWait)) live_->send_to(got->second, "pong");
    if (auto reply = client.receive(kWait); reply && reply->first == "pong") {
      reached = t->to_string();
      break;
    }
    cursor.next();  // timeout: try the next target
  }
  EXPECT_EQ(reached, "UDP 127.0.0.2:" + std::to_string(live_->port()));
  EXPECT_EQ(cursor.index(), 1u);
  const auto first = silent_->receive(std::chrono::milliseconds(0));
  ASSERT_TRUE(first) << "the first target was not tried";
  EXPECT_EQ(first->first, "ping");
}

}  // namespace
}  // namespace sip::dns
