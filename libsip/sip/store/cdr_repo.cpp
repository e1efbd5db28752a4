// Call detail records: upserted by id while a leg progresses; no foreign key
// to the owner, so billing data outlives removed customers. Queried through
// cdr_query_sql (the (owner_id, created), created, call_id, bridge_id and
// final_seq indexes).
#include <chrono>

#include "sip/store/cdr_query.hpp"
#include "sip/store/sql_repos.hpp"
#include "sip/store/validate.hpp"

namespace sip::store {
namespace {

#define SIP_CDR_COLUMNS                                                                        \
  "id, owner_id, account, dialplan, direction, created, dst_user, dst_host, dst_uri, "         \
  "from_user, from_name, from_header, call_id, local_socket, remote_socket, bridge_id, "       \
  "progress_at, progress_status, progress_reason, answered_at, answer_status, answer_reason, " \
  "hungup_at, hangup_reason, ring_duration, talk_duration"
// What a read returns: the written columns and the two the store sets.
#define SIP_CDR_READ_COLUMNS SIP_CDR_COLUMNS ", inserted, final_seq"

Cdr read_cdr(const Stmt& s) {
  Cdr c;
  c.id = s.column_text(0);
  c.owner_id = s.column_int(1);
  c.account = s.column_text(2);
  c.dialplan = s.column_text(3);
  c.direction = s.column_text(4);
  c.created = s.column_int(5);
  c.dst_user = s.column_text(6);
  c.dst_host = s.column_text(7);
  c.dst_uri = s.column_text(8);
  c.from_user = s.column_text(9);
  c.from_name = s.column_text(10);
  c.from_header = s.column_text(11);
  c.call_id = s.column_text(12);
  c.local_socket = s.column_text(13);
  c.remote_socket = s.column_text(14);
  c.bridge_id = s.column_text(15);
  c.progress_at = s.column_int(16);
  c.progress_status = static_cast<int>(s.column_int(17));
  c.progress_reason = s.column_text(18);
  c.answered_at = s.column_int(19);
  c.answer_status = static_cast<int>(s.column_int(20));
  c.answer_reason = s.column_text(21);
  c.hungup_at = s.column_int(22);
  c.hangup_reason = s.column_text(23);
  c.ring_duration = static_cast<int>(s.column_int(24));
  c.talk_duration = static_cast<int>(s.column_int(25));
  c.inserted = s.column_int(26);
  c.final_seq = s.column_int(27);
  return c;
}

}  // namespace

Result<void> SqlCdrs::upsert(const Cdr& cdr) {
  if (auto r = check_cdr(cdr); !r) return r;
  // final_seq is max + 1 of what is committed: it needs the writers'
  // serialisation of a write transaction (one is open in the WriteQueue).
  if (!db_.in_transaction()) {
    auto tx = TxScope::begin(db_);
    if (!tx) return tx.error();
    if (auto r = upsert(cdr); !r) return r;
    return tx->commit();
  }
  // An update touches only the non-indexed columns a leg changes as it
  // progresses, so the four secondary indexes are written once, at insert
  // (INSERT OR REPLACE would delete and re-insert every index entry): the
  // identity of a leg (owner_id, created, call_id, bridge_id, direction)
  // keeps the values of its first write, and so does `inserted`.
  // final_seq: the next number when the record first arrives ended, taken
  // inside this write (SQLite has one writer at a time), so numbers grow in
  // commit order; docs/cdr-export.md.
  auto s = db_.prepare(
      "INSERT INTO cdrs (" SIP_CDR_COLUMNS
      ", inserted, final_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
      "?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, "
      "CASE WHEN ?23 <> 0 THEN (SELECT coalesce(max(final_seq), 0) + 1 FROM cdrs) ELSE 0 END) "
      "ON CONFLICT(id) DO UPDATE SET account = excluded.account, "
      "dialplan = excluded.dialplan, dst_user = excluded.dst_user, "
      "dst_host = excluded.dst_host, dst_uri = excluded.dst_uri, "
      "from_user = excluded.from_user, from_name = excluded.from_name, "
      "from_header = excluded.from_header, local_socket = excluded.local_socket, "
      "remote_socket = excluded.remote_socket, progress_at = excluded.progress_at, "
      "progress_status = excluded.progress_status, progress_reason = excluded.progress_reason, "
      "answered_at = excluded.answered_at, answer_status = excluded.answer_status, "
      "answer_reason = excluded.answer_reason, hungup_at = excluded.hungup_at, "
      "hangup_reason = excluded.hangup_reason, ring_duration = excluded.ring_duration, "
      "talk_duration = excluded.talk_duration, "
      "final_seq = CASE WHEN cdrs.final_seq = 0 THEN excluded.final_seq ELSE cdrs.final_seq END");
  if (!s) return s.error();
  s->bind(1, cdr.id)
      .bind(2, cdr.owner_id)
      .bind(3, cdr.account)
      .bind(4, cdr.dialplan)
      .bind(5, cdr.direction)
      .bind(6, cdr.created)
      .bind(7, cdr.dst_user)
      .bind(8, cdr.dst_host)
      .bind(9, cdr.dst_uri)
      .bind(10, cdr.from_user)
      .bind(11, cdr.from_name)
      .bind(12, cdr.from_header)
      .bind(13, cdr.call_id)
      .bind(14, cdr.local_socket)
      .bind(15, cdr.remote_socket)
      .bind(16, cdr.bridge_id)
      .bind(17, cdr.progress_at)
      .bind(18, cdr.progress_status)
      .bind(19, cdr.progress_reason)
      .bind(20, cdr.answered_at)
      .bind(21, cdr.answer_status)
      .bind(22, cdr.answer_reason)
      .bind(23, cdr.hungup_at)
      .bind(24, cdr.hangup_reason)
      .bind(25, cdr.ring_duration)
      .bind(26, cdr.talk_duration)
      .bind(27, std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count());
  return s->run("cannot write the cdr");
}

namespace {

void bind_all(Stmt& s, const CdrSql& sql) {
  int index = 1;
  for (const auto& p : sql.params) {
    std::visit([&](const auto& v) { s.bind(index, v); }, p);
    ++index;
  }
}

}  // namespace

Result<void> SqlCdrs::scan(const CdrQuery& q, const std::function<bool(const Cdr&)>& visit) {
  const CdrSql sql = cdr_query_sql(q, db_.dialect() == Dialect::postgres);
  if (db_.dialect() == Dialect::postgres) return scan_cursor(sql, visit);
  auto s = db_.prepare_text("SELECT " SIP_CDR_READ_COLUMNS " FROM cdrs" + sql.tail);
  if (!s) return s.error();
  bind_all(*s, sql);
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row || !visit(read_cdr(*s))) return {};
  }
}

// PostgreSQL would send every row at once: a cursor in a read snapshot
// fetches them in batches, so memory stays flat there too.
Result<void> SqlCdrs::scan_cursor(const CdrSql& sql,
                                  const std::function<bool(const Cdr&)>& visit) {
  auto tx = TxScope::begin(db_, true);
  if (!tx) return tx.error();
  {
    auto declare = db_.prepare_text("DECLARE sip_cdr_scan NO SCROLL CURSOR FOR SELECT "
                                    SIP_CDR_READ_COLUMNS " FROM cdrs" + sql.tail);
    if (!declare) return declare.error();
    bind_all(*declare, sql);
    if (auto r = declare->run("cannot read cdrs"); !r) return r;
  }
  constexpr int kBatch = 500;
  for (bool more = true; more;) {
    auto fetch = db_.prepare("FETCH 500 FROM sip_cdr_scan");
    if (!fetch) return fetch.error();
    int rows = 0;
    for (;;) {
      auto row = fetch->step("cannot read cdrs");
      if (!row) return row.error();
      if (!*row) break;
      ++rows;
      if (!visit(read_cdr(*fetch))) {
        more = false;
        break;
      }
    }
    if (rows < kBatch) more = false;
  }
  if (auto r = db_.run("CLOSE sip_cdr_scan", "cannot read cdrs"); !r) return r;
  return tx->commit();
}

Result<std::vector<Cdr>> SqlCdrs::list(const CdrQuery& q) {
  std::vector<Cdr> out;
  auto r = scan(q, [&out](const Cdr& c) {
    out.push_back(c);
    return true;
  });
  if (!r) return r.error();
  return out;
}

Result<std::int64_t> SqlCdrs::count(const CdrQuery& q) {
  CdrSql sql = cdr_query_sql(q, db_.dialect() == Dialect::postgres);
  // The order never changes a count, and sorting every match (the id
  // tie-break is not in an index) cost 70 ms for 80,000 rows: drop it,
  // keeping LIMIT/OFFSET (it binds no parameters).
  if (const std::size_t order = sql.tail.find(" ORDER BY "); order != std::string::npos) {
    std::size_t limit = sql.tail.find(" LIMIT ", order);
    if (limit == std::string::npos) limit = sql.tail.find(" OFFSET ", order);  // PostgreSQL
    sql.tail = sql.tail.substr(0, order) +
               (limit == std::string::npos ? std::string() : sql.tail.substr(limit));
  }
  auto s = db_.prepare_text("SELECT count(*) FROM (SELECT 1 FROM cdrs" + sql.tail + ") AS q");
  if (!s) return s.error();
  bind_all(*s, sql);
  auto row = s->step();
  if (!row) return row.error();
  return *row ? s->column_int(0) : 0;
}

Result<Cdr> SqlCdrs::get(std::string_view id) {
  auto s = db_.prepare("SELECT " SIP_CDR_READ_COLUMNS " FROM cdrs WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, id);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, 0, "no such cdr");
  return read_cdr(*s);
}

}  // namespace sip::store
