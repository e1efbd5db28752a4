// Call detail records: upserted by id while a leg progresses; no foreign key
// to the owner, so billing data outlives removed customers. Listed newest
// first through the (owner_id, created), call_id and bridge_id indexes.
#include "sip/store/sqlite_repos.hpp"
#include "sip/store/validate.hpp"

namespace sip::store {
namespace {

#define SIP_CDR_COLUMNS                                                                        \
  "id, owner_id, account, dialplan, direction, created, dst_user, dst_host, dst_uri, "         \
  "from_user, from_name, from_header, call_id, local_socket, remote_socket, bridge_id, "       \
  "progress_at, progress_status, progress_reason, answered_at, answer_status, answer_reason, " \
  "hungup_at, hangup_reason, ring_duration, talk_duration"

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
  return c;
}

}  // namespace

Result<void> SqliteCdrs::upsert(const Cdr& cdr) {
  if (auto r = check_cdr(cdr); !r) return r;
  // An update touches only the non-indexed columns a leg changes as it
  // progresses, so the four secondary indexes are written once, at insert
  // (INSERT OR REPLACE would delete and re-insert every index entry): the
  // identity of a leg (owner_id, created, call_id, bridge_id, direction)
  // keeps the values of its first write.
  auto s = db_.prepare(
      "INSERT INTO cdrs (" SIP_CDR_COLUMNS
      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
      "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26) "
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
      "talk_duration = excluded.talk_duration");
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
      .bind(26, cdr.talk_duration);
  return s->run("cannot write the cdr");
}

Result<std::vector<Cdr>> SqliteCdrs::list(const CdrQuery& q) {
  auto s = db_.prepare("SELECT " SIP_CDR_COLUMNS
                       " FROM cdrs WHERE (?1 = 0 OR owner_id = ?1) AND (?2 = '' OR call_id = ?2) "
                       "AND (?3 = '' OR bridge_id = ?3) AND (?4 = 0 OR created >= ?4) "
                       "AND (?5 = 0 OR created < ?5) ORDER BY created DESC, id LIMIT ?6");
  if (!s) return s.error();
  const auto limit = q.limit > static_cast<std::size_t>(INT64_MAX)
                         ? INT64_MAX
                         : static_cast<std::int64_t>(q.limit);
  s->bind(1, q.owner_id)
      .bind(2, q.call_id)
      .bind(3, q.bridge_id)
      .bind(4, q.since)
      .bind(5, q.until)
      .bind(6, limit);
  std::vector<Cdr> out;
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_cdr(*s));
  }
}

Result<Cdr> SqliteCdrs::get(std::string_view id) {
  auto s = db_.prepare("SELECT " SIP_CDR_COLUMNS " FROM cdrs WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, id);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, 0, "no such cdr");
  return read_cdr(*s);
}

}  // namespace sip::store
