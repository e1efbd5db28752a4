// cdr-query as a program, over real stores: filters, formats and --stats on
// a store written through the repository (support/cdr_fill), reads while a
// writer process commits (never SQLITE_BUSY), --follow stopped by SIGTERM,
// and --cursor run again and again while SIPp calls go through the real
// sipproxyd: every CDR exported exactly once, from the file and from the
// control socket alike (docs/cdr-export.md).
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/call_env.hpp"
#include "support/cdr_fill.hpp"

namespace sipsmith::itest {
namespace {

using Clock = std::chrono::steady_clock;

struct Outcome {
  int status = -1;
  std::string out, err;
};

// cdr-query with `args`, bounded; stdout and stderr kept.
Outcome cdr_query(const TempDir& dir, std::vector<std::string> args, Millis limit = Millis(30000)) {
  static int n = 0;
  const std::string out = dir.file("cdrq-" + std::to_string(++n) + ".out");
  SpawnOptions o;
  o.argv = {CDR_QUERY_BINARY};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.unset_env = {"SIPSMITH_CONTROL_SOCKET"};
  o.stdout_file = out;
  o.stderr_file = out + ".err";
  Child child(o);
  Outcome r;
  auto status = child.wait_for(limit);
  r.status = status ? *status : -1;
  if (!status) child.stop();
  r.out = read_file(out);
  r.err = read_file(out + ".err");
  return r;
}

std::vector<json> ndjson(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << line;
    out.push_back(j);
  }
  return out;
}

std::size_t lines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

class CdrQueryStore : public ::testing::Test {
 protected:
  static constexpr int kCount = 500;
  void SetUp() override { fill_cdrs(db, 0, kCount); }
  // Records (of the kCount) for which `pred` holds.
  template <class Pred>
  static std::size_t expected(Pred pred) {
    std::size_t n = 0;
    for (int i = 0; i < kCount; ++i) n += pred(filled_cdr(i)) ? 1 : 0;
    return n;
  }
  Outcome query(std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", db});
    return cdr_query(dir, args);
  }
  TempDir dir;
  std::string db = dir.file("store.db");
};

TEST_F(CdrQueryStore, NdjsonOldestFirstWithEveryField) {
  Outcome r = query({"--format", "ndjson"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto rows = ndjson(r.out);
  ASSERT_EQ(rows.size(), std::size_t{kCount});
  EXPECT_EQ(rows[0]["event"], "cdr");
  EXPECT_EQ(rows[0]["id"], filled_cdr(0).id);
  EXPECT_EQ(rows[0]["owner"], "demo");
  EXPECT_EQ(rows[0]["created"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(rows[0]["from_name"], "Smith, Joe \"JJ\"");
  EXPECT_EQ(rows[4]["owner"], "other");
  EXPECT_EQ(rows[7]["answered_at"], nullptr);  // 486: never answered
  EXPECT_EQ(rows[7]["answer_status"], 486);
  EXPECT_GT(rows[0]["final_seq"].get<std::int64_t>(), 0);
  EXPECT_TRUE(rows[0]["inserted"].is_string());
  EXPECT_EQ(rows[kCount - 1]["id"], filled_cdr(kCount - 1).id);
  EXPECT_EQ(r.err, "");
}

TEST_F(CdrQueryStore, FiltersMatchTheRecordsTheyName) {
  using C = sip::store::Cdr;
  auto count = [&](std::vector<std::string> args) {
    args.push_back("--json");
    Outcome r = query(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return lines(r.out);
  };
  EXPECT_EQ(count({"--account", "alice@sipsmith.test", "--status", "answered"}),
            expected([](const C& c) {
              return c.account == "alice@sipsmith.test" && c.answer_status == 200;
            }));
  EXPECT_EQ(count({"--direction", "out", "--min-duration", "60"}),
            expected([](const C& c) { return c.direction == "out" && c.talk_duration >= 60; }));
  EXPECT_EQ(count({"--status", "4xx"}),
            expected([](const C& c) { return c.answer_status / 100 == 4; }));
  EXPECT_EQ(count({"--status", "busy"}),
            expected([](const C& c) { return c.answer_status == 486; }));
  EXPECT_EQ(count({"--owner", "other"}), expected([](const C& c) { return c.owner_id == 2; }));
  // created of record i is kFillBase + i s; --until is exclusive.
  EXPECT_EQ(count({"--since", "2023-11-14T22:15:00Z", "--until", "2023-11-14T22:16:40Z"}), 100u);
  EXPECT_EQ(count({"--since", "2023-11-14 23:15:00+01:00", "--limit", "7"}), 7u);
  EXPECT_EQ(count({"--call-id", "call-7@192.0.2.1"}), 1u);
  EXPECT_EQ(count({"--since", "1h"}), 0u);  // all of them are from 2023
  Outcome newest = query({"--json", "--newest-first", "--limit", "3"});
  auto rows = ndjson(newest.out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["id"], filled_cdr(kCount - 1).id);
  EXPECT_EQ(rows[2]["id"], filled_cdr(kCount - 3).id);

  EXPECT_EQ(query({"--owner", "nobody"}).status, 1);
  EXPECT_EQ(query({"--since", "yesterday"}).status, 2);
  EXPECT_EQ(query({"--status", "ringing"}).status, 2);
  EXPECT_EQ(cdr_query(dir, {"--since", "1h"}).status, 2);  // no source
  EXPECT_EQ(cdr_query(dir, {"--store", dir.file("missing.db")}).status, 2);
}

TEST_F(CdrQueryStore, CsvAndJsonArrayCarryTheSameRecords) {
  Outcome csv = query({"--format", "csv", "--call-id", "call-7@192.0.2.1"});
  ASSERT_EQ(csv.status, 0) << csv.err;
  ASSERT_EQ(lines(csv.out), 2u) << csv.out;
  EXPECT_EQ(csv.out.rfind("id,final_seq,inserted,owner_id,owner,account,", 0), 0u) << csv.out;
  EXPECT_NE(csv.out.find(",\"Smith, Joe \"\"JJ\"\"\","), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find(",2023-11-14T22:13:27.000Z,"), std::string::npos) << csv.out;
  Outcome all = query({"--format", "csv"});
  EXPECT_EQ(lines(all.out), std::size_t{kCount} + 1);

  Outcome arr = query({"--format", "json", "--status", "487"});
  ASSERT_EQ(arr.status, 0) << arr.err;
  json j = json::parse(arr.out);
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j.size(), expected([](const sip::store::Cdr& c) { return c.answer_status == 487; }));
  EXPECT_FALSE(j[0].contains("event"));
  EXPECT_EQ(json::parse(query({"--format", "json", "--call-id", "none"}).out), json::array());
  Outcome table = query({"--format", "table", "--limit", "2"});
  EXPECT_EQ(lines(table.out), 3u);
  EXPECT_EQ(table.out.rfind("CREATED", 0), 0u);
}

TEST_F(CdrQueryStore, StatsGiveCountsAsrAndAcdPerAccountAndProvider) {
  Outcome r = query({"--stats", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::map<std::string, json> by;
  for (const auto& row : ndjson(r.out))
    by[row["group"].get<std::string>() + "/" + row["name"].get<std::string>()] = row;
  ASSERT_TRUE(by.count("total/"));
  EXPECT_EQ(by["total/"]["legs"], kCount);
  EXPECT_EQ(by["total/"]["answered"], kCount * 7 / 10);
  EXPECT_DOUBLE_EQ(by["total/"]["asr"].get<double>(), 70.0);
  for (const std::string name : {"alice@sipsmith.test", "voip1"}) {
    const std::string key = (name == "voip1" ? "provider/" : "account/") + name;
    ASSERT_TRUE(by.count(key)) << r.out;
    std::int64_t answered = 0, talk = 0;
    const auto legs = expected([&](const sip::store::Cdr& c) {
      if (c.account != name) return false;
      if (c.answer_status == 200) {
        ++answered;
        talk += c.talk_duration;
      }
      return true;
    });
    EXPECT_EQ(by[key]["legs"], legs) << key;
    EXPECT_EQ(by[key]["answered"], answered) << key;
    EXPECT_NEAR(by[key]["acd"].get<double>(), double(talk) / double(answered), 0.01) << key;
  }
  EXPECT_FALSE(by.count("account/voip1"));
  Outcome table = query({"--stats", "--format", "table", "--owner", "other"});
  EXPECT_EQ(table.status, 0);
  EXPECT_EQ(table.out.rfind("GROUP", 0), 0u);
}

// A writer process commits small batches while cdr-query reads the same
// file again and again: no read fails or waits out its busy timeout, and a
// cursor walked alongside ends with every record exactly once.
TEST(CdrQueryConcurrent, ReadsWhileAWriterCommitsNeverFailAndTheCursorMissesNothing) {
  TempDir dir;
  const std::string db = dir.file("store.db");
  fill_cdrs(db, 0, 1);  // the schema and customers exist before the reader starts
  constexpr int kMore = 20000;
  SpawnOptions o;
  o.argv = {CDR_STORE_FILL_BINARY, db, std::to_string(kMore), "1", "20"};
  o.stderr_file = dir.file("fill.err");
  Child writer(o);
  const std::string cursor = dir.file("cursor");
  std::set<std::string> ids;
  std::size_t exported = 0;
  int runs = 0;
  auto export_once = [&] {
    Outcome r = cdr_query(dir, {"--store", db, "--cursor", cursor, "--json", "--timeout", "5"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    std::size_t n = 0;
    for (const auto& row : ndjson(r.out)) {
      ids.insert(row["id"].get<std::string>());
      ++n;
    }
    exported += n;
    ++runs;
    Outcome stats = cdr_query(dir, {"--store", db, "--stats", "--json", "--timeout", "5"});
    EXPECT_EQ(stats.status, 0) << stats.err;
    return n;
  };
  const auto deadline = Clock::now() + std::chrono::seconds(90);
  while (writer.running() && Clock::now() < deadline) export_once();
  ASSERT_EQ(writer.wait_for(Millis(60000)), 0) << read_file(dir.file("fill.err"));
  for (int i = 0; i < 3 && export_once() != 0; ++i) {
  }
  EXPECT_EQ(exported, std::size_t{kMore} + 1) << runs << " runs";
  EXPECT_EQ(ids.size(), std::size_t{kMore} + 1);
  std::cout << "[ cdr-query ] " << runs << " cursor runs beside the writer, " << exported
            << " records exported once\n";
}

TEST(CdrQueryFollow, PrintsRecordsAsTheyEndAndStopsOnSigterm) {
  TempDir dir;
  const std::string db = dir.file("store.db");
  fill_cdrs(db, 0, 10);
  SpawnOptions o;
  o.argv = {CDR_QUERY_BINARY, "--store", db, "--follow", "--json", "--interval", "0.1"};
  o.stdout_pipe = true;
  o.stderr_file = dir.file("follow.err");
  Child follow(o);
  auto read_ids = [&](int n) {
    std::vector<std::string> got;
    for (int k = 0; k < n; ++k) {
      auto line = follow.read_line(Millis(10000));
      if (!line) break;
      got.push_back(json::parse(*line)["id"].get<std::string>());
    }
    return got;
  };
  auto first = read_ids(10);
  ASSERT_EQ(first.size(), 10u) << read_file(dir.file("follow.err"));
  EXPECT_EQ(first[0], filled_cdr(0).id);
  fill_cdrs(db, 10, 5);
  auto more = read_ids(5);
  ASSERT_EQ(more.size(), 5u);
  EXPECT_EQ(more[4], filled_cdr(14).id);
  follow.signal(SIGTERM);
  EXPECT_EQ(follow.wait_for(Millis(5000)), 0) << read_file(dir.file("follow.err"));
}

TEST(CdrQueryCli, HelpManAndCompletionsListTheSameFlags) {
  TempDir dir;
  Outcome help = cdr_query(dir, {"--help"});
  ASSERT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);
  Outcome version = cdr_query(dir, {"--version"});
  EXPECT_EQ(version.status, 0);
  std::set<std::string> flags;
  const std::regex re("--[a-z][a-z-]+");
  for (auto it = std::sregex_iterator(help.out.begin(), help.out.end(), re);
       it != std::sregex_iterator(); ++it)
    flags.insert(it->str());
  EXPECT_TRUE(flags.count("--cursor") && flags.count("--follow") && flags.count("--stats"));
  const std::string src = SIPSMITH_SOURCE_DIR;
  for (const std::string file :
       {"/man/cdr-query.1", "/completions/bash/cdr-query", "/completions/zsh/_cdr-query",
        "/completions/fish/cdr-query.fish"}) {
    const std::string text = read_file(src + file);
    std::string plain;  // man pages write \- for -
    for (std::size_t i = 0; i < text.size(); ++i)
      if (!(text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '-')) plain += text[i];
    for (const auto& f : flags) {
      if (f == "--help" || f == "--version") continue;
      const bool found = plain.find(f) != std::string::npos ||
                         (file.find("fish") != std::string::npos &&
                          plain.find("-l " + f.substr(2)) != std::string::npos);
      EXPECT_TRUE(found) << file << " lacks " << f;
    }
  }
}

// SIPp calls bob through the real daemon while cdr-query --cursor runs again
// and again, from the store file and from the control socket (small pages):
// both end with every CDR of every call exactly once.
TEST(CdrQueryDaemon, CursorRunsDuringCallsExportEveryCdrExactlyOnce) {
  constexpr int kCalls = 40;  // 80 CDRs: within one default cdr.list page
  CallEnv env;
  env.provision(json::array({account_record("bob", true)}));
  auto phone = start_phone(env.dir, env.daemon.address(), "bob", "call_uas_answer.xml", {},
                           kCallDomain, kCalls);
  SippCallSpec spec;
  spec.scenario = "call_uac.xml";
  spec.remote = env.daemon.address();
  spec.service = "bob";
  spec.calls = kCalls;
  spec.rate = 20;
  spec.timeout = Millis(60000);
  SippCall caller(env.dir, spec);

  const std::string db = env.dir.file("sipsmith.db");
  struct Sink {
    std::string flag, path, cursor;
    std::map<std::string, int> seen;  // id -> times exported
    std::vector<json> rows;
    int runs = 0;
  };
  Sink file{"--store", db, env.dir.file("file.cursor"), {}, {}, 0};
  Sink socket{"--socket", env.daemon.control_path(), env.dir.file("socket.cursor"), {}, {}, 0};
  auto export_once = [&](Sink& s) {
    Outcome r = cdr_query(env.dir, {s.flag, s.path, "--cursor", s.cursor, "--json", "--page", "7"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    ++s.runs;
    std::size_t n = 0;
    for (auto& row : ndjson(r.out)) {
      ++s.seen[row["id"].get<std::string>()];
      s.rows.push_back(std::move(row));
      ++n;
    }
    return n;
  };
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (caller.wait(Millis(0)) == std::nullopt && Clock::now() < deadline) {
    export_once(file);
    export_once(socket);
  }
  ASSERT_EQ(caller.finish(Millis(30000)), 0) << caller.diagnostics();
  EXPECT_EQ(phone->finish(Millis(30000)), 0) << phone->diagnostics();
  const json all = env.wait_cdrs(2 * kCalls);
  ASSERT_EQ(all.size(), std::size_t{2 * kCalls}) << dump(all);
  for (Sink* s : {&file, &socket}) {
    for (int i = 0; i < 3 && export_once(*s) != 0; ++i) {
    }
    SCOPED_TRACE(s->flag);
    EXPECT_EQ(s->rows.size(), std::size_t{2 * kCalls}) << s->runs << " runs";
    EXPECT_EQ(s->seen.size(), std::size_t{2 * kCalls});
    for (const auto& [id, times] : s->seen) EXPECT_EQ(times, 1) << id;
    std::set<std::string> in_calls;
    for (const auto& row : s->rows) {
      if (row["direction"] == "in") in_calls.insert(row["call_id"].get<std::string>());
      // final_seq grows along the export: the order records ended in.
    }
    for (std::size_t k = 1; k < s->rows.size(); ++k)
      EXPECT_LT(s->rows[k - 1]["final_seq"].get<std::int64_t>(),
                s->rows[k]["final_seq"].get<std::int64_t>());
    std::set<std::string> made;
    for (int k = 1; k <= kCalls; ++k)
      made.insert(std::to_string(k) + "-" + std::to_string(caller.pid()) + "@127.0.0.1");
    EXPECT_EQ(in_calls, made);
    std::cout << "[ cdr-query ] " << s->flag << ": " << s->runs << " cursor runs during " << kCalls
              << " calls, " << s->rows.size() << " CDRs each exported once\n";
  }
}

}  // namespace
}  // namespace sipsmith::itest
