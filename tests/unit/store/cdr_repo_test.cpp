// CDRs in the SQLite store: upsert by id, filters, the three orders, limit
// and keyset paging, the export keys (inserted, final_seq), and survival of
// the owner's removal.
#include "store_fixture.hpp"

namespace sip::store::testing {
namespace {

using CdrRepo = RepoTest;

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

TEST_P(CdrRepo, UpsertReplacesByIdAndKeepsEveryField) {
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

TEST_P(CdrRepo, ListFiltersOrdersNewestFirstAndLimits) {
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

// A finished leg: answered with `status` (2xx: talked `talk` seconds).
Cdr ended(std::string id, std::int64_t created, int status, int talk = 0,
          std::string account = "alice@sipsmith.test", std::string direction = "out") {
  Cdr c = cdr(std::move(id), 1, created);
  c.account = std::move(account);
  c.direction = std::move(direction);
  c.answer_status = status;
  if (status >= 200 && status < 300) c.answered_at = created + 1000;
  c.hungup_at = created + 1000 + talk * 1000;
  c.talk_duration = talk;
  return c;
}

TEST_P(CdrRepo, FiltersOnAccountDirectionStatusTalkAndEnd) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->cdrs().upsert(ended("a", 1000, 200, 30)).ok());
  ASSERT_TRUE(s->cdrs().upsert(ended("b", 2000, 486, 0, "bob@sipsmith.test")).ok());
  ASSERT_TRUE(s->cdrs().upsert(ended("c", 3000, 200, 5, "alice@sipsmith.test", "in")).ok());
  ASSERT_TRUE(s->cdrs().upsert(cdr("d", 1, 4000)).ok());  // running, no final status
  CdrQuery q;
  q.order = CdrOrder::OldestFirst;
  q.account = "alice@sipsmith.test";
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"a", "c"}));
  q.direction = "in";
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"c"}));
  q = {};
  q.order = CdrOrder::OldestFirst;
  q.status_min = 200;
  q.status_max = 299;
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"a", "c"}));
  q.status_min = 400;
  q.status_max = 499;
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"b"}));
  q.status_min = 0;
  q.status_max = 0;
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"d"}));
  q = {};
  q.order = CdrOrder::OldestFirst;
  q.min_talk = 6;
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"a"}));
  q = {};
  q.order = CdrOrder::OldestFirst;
  q.ended_only = true;
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(*s->cdrs().count(q), 3);
  q.limit = 2;
  EXPECT_EQ(*s->cdrs().count(q), 2);
}

TEST_P(CdrRepo, KeysetPagesWalkEveryRowOnceInEitherCreatedOrder) {
  auto s = open();
  ASSERT_TRUE(s);
  // Equal created times: the id breaks the tie.
  for (const char* id : {"e", "b", "d", "a", "c"})
    ASSERT_TRUE(s->cdrs().upsert(cdr(id, 1, id[0] < 'c' ? 1000 : 2000)).ok());
  for (const CdrOrder order : {CdrOrder::OldestFirst, CdrOrder::NewestFirst}) {
    CdrQuery q;
    q.order = order;
    q.limit = 2;
    std::vector<std::string> seen;
    for (int page = 0; page < 10; ++page) {
      auto rows = s->cdrs().list(q);
      ASSERT_TRUE(rows.ok());
      for (const auto& c : *rows) seen.push_back(c.id);
      if (rows->size() < q.limit) break;
      q.after_created = rows->back().created;
      q.after_id = rows->back().id;
    }
    EXPECT_EQ(seen, order == CdrOrder::OldestFirst
                        ? (std::vector<std::string>{"a", "b", "c", "d", "e"})
                        : (std::vector<std::string>{"c", "d", "e", "a", "b"}));
  }
}

// final_seq numbers records in the order they ENDED (commit order), not the
// order they were created; it is given once; `inserted` is the first write.
TEST_P(CdrRepo, FinalSeqFollowsTheOrderRecordsEnded) {
  auto s = open();
  ASSERT_TRUE(s);
  Cdr early = cdr("early", 1, 1000);  // created first, ends last
  ASSERT_TRUE(s->cdrs().upsert(early).ok());
  ASSERT_TRUE(s->cdrs().upsert(ended("late", 2000, 486)).ok());
  ASSERT_TRUE(s->cdrs().upsert(ended("later", 3000, 200, 1)).ok());
  EXPECT_EQ(s->cdrs().get("early")->final_seq, 0);
  EXPECT_GT(s->cdrs().get("early")->inserted, 1'600'000'000'000);
  early.hungup_at = 9000;
  early.answer_status = 487;
  ASSERT_TRUE(s->cdrs().upsert(early).ok());
  CdrQuery q;
  q.order = CdrOrder::FinalSeq;
  q.limit = 0;
  auto rows = s->cdrs().list(q);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].id, "late");
  EXPECT_EQ((*rows)[1].id, "later");
  EXPECT_EQ((*rows)[2].id, "early");
  EXPECT_EQ((*rows)[2].final_seq, 3);
  const std::int64_t inserted = (*rows)[2].inserted;
  early.hangup_reason = "rewritten";  // a later write keeps the number and insert time
  ASSERT_TRUE(s->cdrs().upsert(early).ok());
  EXPECT_EQ(s->cdrs().get("early")->final_seq, 3);
  EXPECT_EQ(s->cdrs().get("early")->inserted, inserted);
  q.after_seq = 2;
  EXPECT_EQ(ids(s->cdrs().list(q)), (std::vector<std::string>{"early"}));
  std::size_t visited = 0;
  q.after_seq = 0;
  ASSERT_TRUE(s->cdrs()
                  .scan(q,
                        [&visited](const Cdr&) {
                          ++visited;
                          return visited < 2;  // stop early
                        })
                  .ok());
  EXPECT_EQ(visited, 2u);
}

TEST_P(CdrRepo, StayWhenTheCustomerIsRemoved) {
  auto s = open();
  ASSERT_TRUE(s);
  const Id owner = *s->customers().add(customer("demo"));
  ASSERT_TRUE(s->cdrs().upsert(cdr("k", owner, 5)).ok());
  ASSERT_TRUE(s->customers().remove(owner).ok());
  auto got = s->cdrs().get("k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->owner_id, owner);
}

SIPSMITH_ON_BOTH_BACKENDS(CdrRepo);

}  // namespace
}  // namespace sip::store::testing
