// Resolver behaviour that needs no DNS data: the numeric and explicit-port
// short cuts (queries counted through the hook), input errors, the pending
// bound, timeouts against a silent server, and shutdown semantics.
#include "sip/dns/resolver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "dns_test_util.hpp"

namespace sip::dns {
namespace {

using test::CoreLoop;
using test::resolve_sync;
using test::UdpSocket;

class ResolverOffline : public ::testing::Test {
 protected:
  // A resolver whose only server is a socket that never answers.
  std::unique_ptr<Resolver> make(std::chrono::milliseconds timeout = std::chrono::milliseconds(200),
                                 std::size_t max_pending = 256) {
    ResolverOptions o;
    o.nameservers = {silent_.address()};
    o.timeout = timeout;
    o.tries = 1;
    o.max_pending = max_pending;
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

  CoreLoop loop_;  // declared first: outlives the resolvers posting to it
  UdpSocket silent_;
  std::mutex mu_;
  std::vector<std::string> queries_;
};

TEST_F(ResolverOffline, NumericHostsIssueNoQuery) {
  auto r = make();
  auto v4 = resolve_sync(*r, loop_, "sip:alice@192.0.2.1");
  ASSERT_TRUE(v4) << v4.error().to_string();
  ASSERT_EQ(v4->size(), 1u);
  EXPECT_EQ((*v4)[0].to_string(), "UDP 192.0.2.1:5060");
  auto v6 = resolve_sync(*r, loop_, "sips:[2001:db8::5]:5071");
  ASSERT_TRUE(v6);
  EXPECT_EQ((*v6)[0].to_string(), "TLS [2001:db8::5]:5071");
  auto maddr = resolve_sync(*r, loop_, "sip:example.com;maddr=192.0.2.9;transport=tcp");
  ASSERT_TRUE(maddr);
  EXPECT_EQ((*maddr)[0].to_string(), "TCP 192.0.2.9:5060");
  EXPECT_TRUE(queries().empty());
  EXPECT_EQ(r->stats().queries_sent, 0u);
}

TEST_F(ResolverOffline, CallbackRunsOnThePostedThreadNeverInline) {
  auto r = make();
  bool called = false;
  r->resolve_host("192.0.2.1", 5060, transport::Kind::Udp,
                  [&](Result<std::vector<Target>>) { called = true; });
  EXPECT_FALSE(called);
  EXPECT_EQ(r->pending(), 1u);
  EXPECT_EQ(loop_.run_ready(), 1u);
  EXPECT_TRUE(called);
  EXPECT_EQ(r->pending(), 0u);
}

TEST_F(ResolverOffline, ExplicitPortAsksOnlyAddressRecords) {
  auto r = make();
  const auto res = resolve_sync(*r, loop_, "sip:pbx.example.test:5070");
  ASSERT_FALSE(res);
  EXPECT_EQ(failure_of(res.error()), Failure::Timeout);
  auto q = queries();
  std::sort(q.begin(), q.end());
  EXPECT_EQ(q, (std::vector<std::string>{"A pbx.example.test", "AAAA pbx.example.test"}));
}

TEST_F(ResolverOffline, SilentServerTimesOutWithinBound) {
  auto r = make(std::chrono::milliseconds(150));
  const auto start = std::chrono::steady_clock::now();
  const auto res = resolve_sync(*r, loop_, "sip:example.test");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(res);
  EXPECT_EQ(failure_of(res.error()), Failure::Timeout) << res.error().to_string();
  EXPECT_EQ(queries(), (std::vector<std::string>{"NAPTR example.test"}));  // walk ends there
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST_F(ResolverOffline, BadInputIsAnError) {
  auto r = make();
  for (const char* text :
       {"tel:+15551234", "sips:example.test;transport=udp", "sip:example.test;transport=sctp"}) {
    const auto res = resolve_sync(*r, loop_, text);
    ASSERT_FALSE(res) << text;
    EXPECT_EQ(failure_of(res.error()), Failure::BadInput) << text;
  }
  EXPECT_TRUE(queries().empty());
}

TEST_F(ResolverOffline, OutstandingLookupsAreBounded) {
  auto r = make(std::chrono::milliseconds(300), 1);
  std::vector<Failure> got;
  auto cb = [&](Result<std::vector<Target>> res) { got.push_back(failure_of(res.error())); };
  r->resolve_host("a.example.test", 5060, transport::Kind::Udp, cb);
  r->resolve_host("b.example.test", 5060, transport::Kind::Udp, cb);
  r->resolve_host("192.0.2.1", 5060, transport::Kind::Udp, cb);  // numeric: never bounded
  ASSERT_TRUE(loop_.run_until([&] { return got.size() == 3; }));
  EXPECT_EQ(got, (std::vector<Failure>{Failure::Overloaded, Failure::None, Failure::Timeout}));
}

TEST_F(ResolverOffline, DestructionDropsPendingCallbacks) {
  auto r = make(std::chrono::milliseconds(2000));
  auto token = std::make_shared<int>(1);
  std::weak_ptr<int> watch = token;
  bool called = false;
  r->resolve_host("slow.example.test", 5060, transport::Kind::Udp,
                  [&called, token](Result<std::vector<Target>>) { called = true; });
  token.reset();
  ASSERT_FALSE(watch.expired());
  const auto start = std::chrono::steady_clock::now();
  r.reset();  // must not wait for the 2 s timeout
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_TRUE(watch.expired());  // the callback was destroyed, here
  loop_.run_ready();
  EXPECT_FALSE(called);
}

TEST_F(ResolverOffline, BadOptionsThrow) {
  ResolverOptions o;
  o.nameservers = {"not-an-ip:53"};
  EXPECT_THROW(Resolver(o, loop_.post_fn()), std::invalid_argument);
  o.nameservers = {"127.0.0.1:53"};
  o.tries = 0;
  EXPECT_THROW(Resolver(o, loop_.post_fn()), std::invalid_argument);
  o.tries = 1;
  EXPECT_THROW(Resolver(o, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace sip::dns
