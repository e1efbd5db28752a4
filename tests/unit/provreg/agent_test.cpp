// The provider registration agent over a real TransactionLayer on a
// ManualTimerService with a fake Sender: start-up pacing, retry gaps with a
// minimum, 403 disabling until the row changes, unregister on removal and
// on shutdown.
#include "sip/provreg/agent.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "../transaction/txn_test_support.hpp"
#include "sip/directory/directory.hpp"
#include "sip/message/builder.hpp"

namespace sip::provreg {
namespace {

using namespace std::chrono_literals;
using txn::test::arrive;
using txn::test::parse;

store::Provider provider(store::Id id, std::string name) {
  store::Provider p;
  p.id = id;
  p.owner_id = 1;
  p.name = std::move(name);
  p.server = "sip:198.51.100.5:5060";
  p.username = "u" + std::to_string(id);
  p.password = "pw";
  p.register_enabled = true;
  return p;
}

std::string call_id_of(const std::string& bytes) {
  const auto at = bytes.find("\r\nCall-ID: ");
  if (at == std::string::npos) return {};
  const auto start = at + 11;
  return bytes.substr(start, bytes.find("\r\n", start) - start);
}

class ProviderAgent : public txn::test::TxnTest {
 protected:
  ~ProviderAgent() override { agent.reset(); }

  void make(double start_rate = 1000, double stop_rate = 100) {
    store::Domain d;
    d.id = 1;
    d.name = "sipsmith.test";
    directory.set_domains({d});
    Services s;
    s.layer = layer.get();
    s.sender = &sender;
    s.timers = &timers;
    s.wall = &timers.clock();
    s.directory = &directory;
    AgentConfig c;
    c.start_rate = start_rate;
    c.stop_rate = stop_rate;
    c.retry.min_gap = 2s;
    c.retry.base = 4s;
    c.retry.max = 32s;
    agent = std::make_unique<Agent>(s, c);
  }
  // REGISTERs sent, retransmissions (the same bytes again) excluded.
  std::vector<long> register_times() const {
    std::vector<long> t;
    std::vector<const std::string*> seen;
    for (const auto& m : sender.sent) {
      if (!m.starts_with("REGISTER ")) continue;
      if (std::find_if(seen.begin(), seen.end(),
                       [&](const std::string* b) { return *b == m.bytes; }) != seen.end())
        continue;
      seen.push_back(&m.bytes);
      t.push_back(m.at_ms);
    }
    return t;
  }
  std::size_t registers() const { return register_times().size(); }
  // Answers the last REGISTER sent.
  void answer(int status, std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::string last;
    for (const auto& m : sender.sent)
      if (m.starts_with("REGISTER ")) last = m.bytes;
    auto b = msg::make_response(parse(last), status, {}, "t1");
    for (const auto& [name, value] : extra) b.header(name, value);
    layer->on_inbound(arrive(parse(b.serialize())));
  }
  std::string last_register() const {
    std::string last;
    for (const auto& m : sender.sent)
      if (m.starts_with("REGISTER ")) last = m.bytes;
    return last;
  }
  Status status_of(store::Id id) const {
    for (const Status& s : agent->status())
      if (s.provider_id == id) return s;
    return {};
  }

  directory::Directory directory;
  std::unique_ptr<Agent> agent;
};

TEST_F(ProviderAgent, StartUpIsPacedAtTheStartRate) {
  std::vector<store::Provider> rows;
  for (int i = 1; i <= 10; ++i) rows.push_back(provider(i, "p" + std::to_string(i)));
  directory.set_providers(rows);
  make(/*start_rate=*/5);
  agent->sync();
  timers.advance(0ms);
  EXPECT_EQ(registers(), 1u);
  advance_to(3000);
  const auto t = register_times();
  ASSERT_EQ(t.size(), 10u);
  for (std::size_t i = 1; i < t.size(); ++i) EXPECT_EQ(t[i] - t[i - 1], 200) << i;
}

TEST_F(ProviderAgent, RegistersWithDigestAndRefreshes) {
  directory.set_providers({provider(1, "voip1")});
  make();
  agent->sync();
  timers.advance(0ms);
  ASSERT_EQ(registers(), 1u);
  EXPECT_NE(last_register().find("+sip.instance="), std::string::npos);
  answer(401, {{"WWW-Authenticate", "Digest realm=\"x\", nonce=\"n1\", algorithm=MD5"}});
  EXPECT_EQ(status_of(1).state, State::Authenticating);
  ASSERT_EQ(registers(), 2u);
  EXPECT_NE(last_register().find("Authorization: Digest username=\"u1\""), std::string::npos);
  answer(200, {{"Expires", "60"}});
  EXPECT_EQ(status_of(1).state, State::Registered);
  EXPECT_EQ(status_of(1).expires, 60u);
  advance_to(now_ms() + 54'000);  // refresh 6 s before expiry
  EXPECT_EQ(registers(), 3u);
}

TEST_F(ProviderAgent, FailuresAreRetriedWithGrowingGapsAboveTheMinimum) {
  directory.set_providers({provider(1, "voip1")});
  make();
  agent->sync();
  timers.advance(0ms);
  std::vector<long> at;
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(registers(), static_cast<std::size_t>(i + 1));
    at.push_back(now_ms());
    answer(500);
    EXPECT_EQ(status_of(1).state, State::Failed);
    EXPECT_GT(status_of(1).next_attempt, 0);
    // Step to the next attempt (bounded).
    for (int step = 0; step < 400 && registers() == static_cast<std::size_t>(i + 1); ++step)
      advance_to(now_ms() + 100);
  }
  for (std::size_t i = 1; i < at.size(); ++i) EXPECT_GE(at[i] - at[i - 1], 2000) << i;
  EXPECT_GE(at[5] - at[4], 16'000);  // 32 s capped, times [0.5, 1]
  EXPECT_LE(at[5] - at[4], 32'100);
  EXPECT_EQ(status_of(1).attempts, 7u);  // the last loop stepped to the seventh
}

TEST_F(ProviderAgent, ForbiddenDisablesUntilTheProviderChanges) {
  directory.set_providers({provider(1, "voip1")});
  make();
  agent->sync();
  timers.advance(0ms);
  answer(403);
  Status s = status_of(1);
  EXPECT_EQ(s.state, State::Disabled);
  EXPECT_NE(s.reason.find("403"), std::string::npos) << s.reason;
  advance_to(now_ms() + 3'600'000);
  EXPECT_EQ(registers(), 1u);
  agent->sync();  // a reload re-reading the same row changes nothing
  timers.advance(0ms);
  EXPECT_EQ(registers(), 1u);
  store::Provider edited = provider(1, "voip1");
  edited.password = "new";
  directory.upsert_provider(edited);
  agent->sync();
  timers.advance(0ms);
  EXPECT_EQ(registers(), 2u);
  EXPECT_EQ(status_of(1).state, State::Registering);
  // This attempt times out: retried, not disabled by the old 403.
  advance_to(now_ms() + 33'000);  // Timer F
  EXPECT_EQ(status_of(1).state, State::Failed) << status_of(1).reason;
}

TEST_F(ProviderAgent, AnEditUnregistersTheOldContactBeforeRegisteringTheNewOne) {
  directory.set_providers({provider(1, "voip1")});
  make();
  agent->sync();
  timers.advance(0ms);
  answer(200, {{"Expires", "60"}});
  ASSERT_EQ(status_of(1).state, State::Registered);
  const std::string first = last_register();
  store::Provider edited = provider(1, "voip1");
  edited.register_contact = "voip1.new@sipsmith.test";
  edited.password = "new";
  directory.upsert_provider(edited);
  agent->sync();
  timers.advance(0ms);
  ASSERT_EQ(registers(), 2u);
  const std::string leave = last_register();
  EXPECT_NE(leave.find("Expires: 0"), std::string::npos) << leave;
  EXPECT_NE(leave.find("Contact: <sip:voip1.u1@sipsmith.test>"), std::string::npos) << leave;
  EXPECT_EQ(call_id_of(leave), call_id_of(first));
  // Nothing for the new contact until the old one has left.
  advance_to(now_ms() + 200);
  EXPECT_EQ(registers(), 2u);
  EXPECT_EQ(status_of(1).state, State::Registering);
  answer(200);
  for (int i = 0; i < 5 && registers() < 3; ++i) timers.advance(0ms);
  ASSERT_EQ(registers(), 3u);
  const std::string fresh = last_register();
  EXPECT_NE(fresh.find("Contact: <sip:voip1.new@sipsmith.test>"), std::string::npos) << fresh;
  EXPECT_EQ(fresh.find("Expires: 0"), std::string::npos) << fresh;
  EXPECT_NE(call_id_of(fresh), call_id_of(first));
  answer(200, {{"Expires", "60"}});
  EXPECT_EQ(status_of(1).state, State::Registered);
  EXPECT_EQ(agent->size(), 1u);
}

TEST_F(ProviderAgent, ShutdownUnregistersPacedAtTheStopRate) {
  directory.set_providers({provider(1, "a"), provider(2, "b"), provider(3, "c")});
  make(/*start_rate=*/10, /*stop_rate=*/10);
  agent->sync();
  timers.advance(0ms);
  for (int i = 0; i < 3; ++i) {
    if (i > 0) advance_to(now_ms() + 100);
    ASSERT_EQ(registers(), static_cast<std::size_t>(i + 1));
    answer(200, {{"Expires", "3600"}});
  }
  for (store::Id id = 1; id <= 3; ++id) ASSERT_EQ(status_of(id).state, State::Registered);
  bool done = false;
  const long t0 = now_ms();
  agent->shutdown([&] { done = true; });
  std::vector<long> leaves;
  for (int i = 0; i < 100 && !done; ++i) {
    timers.advance(0ms);
    if (registers() > 3 + leaves.size()) {
      leaves.push_back(now_ms() - t0);
      EXPECT_NE(last_register().find("Expires: 0"), std::string::npos);
      answer(200);
    }
    advance_to(now_ms() + 10);
  }
  EXPECT_TRUE(done);
  ASSERT_EQ(leaves.size(), 3u);
  EXPECT_EQ(leaves[0], 0);
  EXPECT_EQ(leaves[1], 100);
  EXPECT_EQ(leaves[2], 200);
}

TEST_F(ProviderAgent, RemovalAndShutdownUnregister) {
  directory.set_providers({provider(1, "a"), provider(2, "b")});
  make();
  agent->sync();
  advance_to(now_ms() + 5);          // both started (1 ms apart)
  answer(200, {{"Expires", "60"}});  // b (the second REGISTER)
  ASSERT_EQ(registers(), 2u);
  store::Provider off = provider(2, "b");
  off.register_enabled = false;
  directory.upsert_provider(off);
  agent->sync();
  ASSERT_EQ(registers(), 3u);
  EXPECT_NE(last_register().find("Expires: 0"), std::string::npos);
  EXPECT_EQ(status_of(2).state, State::Unregistering);
  answer(200);
  timers.advance(0ms);
  EXPECT_EQ(agent->size(), 1u);  // b left; a still waits for its answer
  bool done = false;
  agent->shutdown([&] { done = true; });
  for (int i = 0; i < 200 && !done; ++i) advance_to(now_ms() + 20);
  EXPECT_TRUE(done);  // a was never registered: nothing to unregister
}

}  // namespace
}  // namespace sip::provreg
