// The dial plans' per-customer key/value store over the dialplan_kv table
// (migration 1): (owner_id, key) primary key, values as text.
#include "sip/store/sql_repos.hpp"

namespace sip::store {
namespace {

constexpr std::size_t kMaxKey = 256;
constexpr std::size_t kMaxValue = 10000;

Result<void> check_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKey)
    return make_error(Errc::invalid_argument, 0, "key must be 1 to 256 bytes");
  return {};
}

}  // namespace

Result<std::optional<std::string>> SqlKv::get(Id owner, std::string_view key) {
  if (auto r = check_key(key); !r) return r.error();
  auto s = db_.prepare("SELECT value FROM dialplan_kv WHERE owner_id = ?1 AND key = ?2");
  if (!s) return s.error();
  s->bind(1, owner).bind(2, key);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>{};
  return std::optional<std::string>(s->column_text(0));
}

Result<void> SqlKv::put(Id owner, std::string_view key, std::string_view value,
                           std::int64_t updated) {
  if (auto r = check_key(key); !r) return r;
  if (value.size() > kMaxValue)
    return make_error(Errc::invalid_argument, 0, "value over 10000 bytes");
  auto exists = get(owner, key);
  if (!exists) return exists.error();
  if (!*exists) {
    auto c = db_.prepare("SELECT COUNT(*) FROM dialplan_kv WHERE owner_id = ?1");
    if (!c) return c.error();
    c->bind(1, owner);
    auto row = c->step();
    if (!row) return row.error();
    if (*row && static_cast<std::size_t>(c->column_int(0)) >= KvRepository::kMaxKvKeys)
      return make_error(Errc::limit_reached, 0, "too many keys for this customer");
  }
  auto s = db_.prepare(
      "INSERT INTO dialplan_kv (owner_id, key, value, updated) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(owner_id, key) DO UPDATE SET value = excluded.value, "
      "updated = excluded.updated");
  if (!s) return s.error();
  s->bind(1, owner).bind(2, key).bind(3, value).bind(4, updated);
  return s->run();
}

Result<void> SqlKv::remove(Id owner, std::string_view key) {
  if (auto r = check_key(key); !r) return r;
  auto s = db_.prepare("DELETE FROM dialplan_kv WHERE owner_id = ?1 AND key = ?2");
  if (!s) return s.error();
  s->bind(1, owner).bind(2, key);
  return s->run();
}

Result<std::vector<std::string>> SqlKv::keys(Id owner) {
  auto s = db_.prepare("SELECT key FROM dialplan_kv WHERE owner_id = ?1 ORDER BY key");
  if (!s) return s.error();
  s->bind(1, owner);
  std::vector<std::string> out;
  while (true) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(s->column_text(0));
  }
  return out;
}

Result<void> SqlKv::scan(
    Id owner, const std::function<bool(Id, const std::string&, const std::string&)>& visit) {
  auto s = db_.prepare(
      "SELECT owner_id, key, value FROM dialplan_kv WHERE ?1 = 0 OR owner_id = ?1 "
      "ORDER BY owner_id, key");
  if (!s) return s.error();
  s->bind(1, owner);
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row || !visit(s->column_int(0), s->column_text(1), s->column_text(2))) return {};
  }
}

}  // namespace sip::store
