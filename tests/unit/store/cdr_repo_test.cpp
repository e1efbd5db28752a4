// CDRs in the SQLite store: upsert by id, filters, newest-first order and
// limit, and survival of the owner's removal.
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using CdrRepo = StoreTest;

Cdr cdr(std::string id, Id owner, std::int64_t created, std::string call_id = "c1",
        std::string bridge = "") {
  Cdr c;
  c.id = std::move(id);
  c.owner_id = owner;
  c.created = created;
  c.call_id = std::move(call_id);
  c.bridge_id = std::move(bridge);
  c.direction = "out";
  return c;
}

std::vector<std::string> ids(const Result<std::vector<Cdr>>& r) {
  std::vector<std::string> out;
  if (!r) return {"error"};
  for (const auto& c : *r) out.push_back(c.id);
  return out;
}

TEST_F(CdrRepo, UpsertReplacesByIdAndKeepsEveryField) {
  auto s = open();
  ASSERT_TRUE(s);
  Cdr c = cdr("a1", 7, 1700000000000, "call-1", "br-1");
  c.account = "1001@sipsmith.test";
  c.dialplan = "out";
  c.dst_user = "bob";
  c.dst_host = "example.net";
  c.dst_uri = "sip:bob@example.net";
  c.from_user = "joe";
  c.from_name = "Joe";
  c.from_header = "\"Joe\" <sip:joe@sipsmith.test>;tag=1";
  c.local_socket = "udp:127.0.0.1:5060";
  c.remote_socket = "udp:127.0.0.1:5070";
  ASSERT_TRUE(s->cdrs().upsert(c).ok());
  c.progress_at = 1700000000500;
  c.progress_status = 180;
  c.progress_reason = "Ringing";
  c.answered_at = 1700000002000;
  c.answer_status = 200;
  c.answer_reason = "OK";
  c.hungup_at = 1700000012999;
  c.hangup_reason = "BYE";
  c.ring_duration = 2;
  c.talk_duration = 10;
  ASSERT_TRUE(s->cdrs().upsert(c).ok());
  auto got = s->cdrs().get("a1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->owner_id, 7);
  EXPECT_EQ(got->account, "1001@sipsmith.test");
  EXPECT_EQ(got->from_header, "\"Joe\" <sip:joe@sipsmith.test>;tag=1");
  EXPECT_EQ(got->remote_socket, "udp:127.0.0.1:5070");
  EXPECT_EQ(got->progress_status, 180);
  EXPECT_EQ(got->answered_at, 1700000002000);
  EXPECT_EQ(got->answer_reason, "OK");
  EXPECT_EQ(got->hungup_at, 1700000012999);
  EXPECT_EQ(got->hangup_reason, "BYE");
  EXPECT_EQ(got->ring_duration, 2);
  EXPECT_EQ(got->talk_duration, 10);
  EXPECT_EQ(s->cdrs().list({})->size(), 1u);
  EXPECT_EQ(s->cdrs().get("zz").error().code, Errc::not_found);
  EXPECT_EQ(s->cdrs().upsert(cdr("", 1, 1)).error().code, Errc::invalid_argument);
}

TEST_F(CdrRepo, ListFiltersOrdersNewestFirstAndLimits) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->cdrs().upsert(cdr("a", 1, 1000, "x", "b1")).ok());
  ASSERT_TRUE(s->cdrs().upsert(cdr("b", 1, 3000, "y", "b1")).ok());
  ASSERT_TRUE(s->cdrs().upsert(cdr("c", 2, 2000, "x", "b2")).ok());
  ASSERT_TRUE(s->cdrs().upsert(cdr("d", 1, 3000, "z", "b3")).ok());
  EXPECT_EQ(ids(s->cdrs().list({})), (std::vector<std::string>{"b", "d", "c", "a"}));
  CdrQuery q;
  q.owner_id = 1;
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"b", "d", "a"}));
  q = {};
  q.call_id = "x";
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"c", "a"}));
  q = {};
  q.bridge_id = "b1";
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"b", "a"}));
  q = {};
  q.since = 2000;  // inclusive
  q.until = 3000;  // exclusive
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"c"}));
  q = {};
  q.limit = 2;
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"b", "d"}));
  q = {};
  q.owner_id = 1;
  q.call_id = "x";
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"a"}));
}

TEST_F(CdrRepo, StayWhenTheCustomerIsRemoved) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id owner = *s->customers().add(customer("demo"));
  ASSERT_TRUE(s->cdrs().upsert(cdr("k", owner, 5)).ok());
  ASSERT_TRUE(s->customers().remove(owner).ok());
  auto got = s->cdrs().get("k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->owner_id, owner);
}

}  // namespace
}  // namespace sip::store::testing
