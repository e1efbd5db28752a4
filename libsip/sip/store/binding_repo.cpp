// Registrar bindings keyed by (account_id, contact_key); removed with their
// account (schema cascade). The hot path of the WriteQueue.
#include "sip/store/sql_repos.hpp"
#include "sip/store/validate.hpp"

namespace sip::store {
namespace {

#define SIP_BINDING_SELECT                                                              \
  "SELECT account_id, contact_key, contact_uri, mangled_uri, instance_id, user_agent, " \
  "call_id, cseq, q, transport, remote, local, registered, updated, expires, node FROM bindings "

Binding read_binding(const Stmt& s) {
  Binding b;
  b.account_id = s.column_int(0);
  b.contact_key = s.column_text(1);
  b.contact_uri = s.column_text(2);
  b.mangled_uri = s.column_text(3);
  b.instance_id = s.column_text(4);
  b.user_agent = s.column_text(5);
  b.call_id = s.column_text(6);
  b.cseq = static_cast<std::uint32_t>(s.column_int(7));
  b.q = static_cast<float>(s.column_double(8));
  b.transport = s.column_text(9);
  b.remote = s.column_text(10);
  b.local = s.column_text(11);
  b.registered = s.column_int(12);
  b.updated = s.column_int(13);
  b.expires = s.column_int(14);
  b.node = s.column_text(15);
  return b;
}

}  // namespace

Result<std::vector<Binding>> SqlBindings::select(const char* sql, Id account_id) {
  auto s = db_.prepare(sql);
  if (!s) return s.error();
  if (account_id != 0) s->bind(1, account_id);
  std::vector<Binding> out;
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_binding(*s));
  }
}

Result<std::vector<Binding>> SqlBindings::list() {
  return select(SIP_BINDING_SELECT "ORDER BY account_id, contact_key", 0);
}

Result<std::vector<Binding>> SqlBindings::list_for(Id account_id) {
  if (account_id == 0) return std::vector<Binding>{};
  return select(SIP_BINDING_SELECT "WHERE account_id = ?1 ORDER BY contact_key", account_id);
}

Result<void> SqlBindings::upsert(const Binding& b) {
  if (auto r = check_binding(b); !r) return r;
  auto s = db_.prepare(
      "INSERT INTO bindings (account_id, contact_key, contact_uri, mangled_uri, instance_id, "
      "user_agent, call_id, cseq, q, transport, remote, local, registered, updated, expires, "
      "node) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
      "ON CONFLICT (account_id, contact_key) DO UPDATE SET contact_uri = excluded.contact_uri, "
      "mangled_uri = excluded.mangled_uri, instance_id = excluded.instance_id, "
      "user_agent = excluded.user_agent, call_id = excluded.call_id, cseq = excluded.cseq, "
      "q = excluded.q, transport = excluded.transport, remote = excluded.remote, "
      "local = excluded.local, registered = excluded.registered, updated = excluded.updated, "
      "expires = excluded.expires, node = excluded.node");
  if (!s) return s.error();
  s->bind(1, b.account_id)
      .bind(2, b.contact_key)
      .bind(3, b.contact_uri)
      .bind(4, b.mangled_uri)
      .bind(5, b.instance_id)
      .bind(6, b.user_agent)
      .bind(7, b.call_id)
      .bind(8, static_cast<std::int64_t>(b.cseq))
      .bind(9, static_cast<double>(b.q))
      .bind(10, b.transport)
      .bind(11, b.remote)
      .bind(12, b.local)
      .bind(13, b.registered)
      .bind(14, b.updated)
      .bind(15, b.expires)
      .bind(16, b.node.empty() ? node_ : b.node);
  auto r = s->run("cannot save the binding");
  if (!r && r.error().code == Errc::invalid_argument) {
    // The only constraint besides the key is the account reference.
    return make_error(Errc::not_found, 0, "the binding's account does not exist");
  }
  return r;
}

Result<void> SqlBindings::remove(Id account_id, std::string_view contact_key) {
  auto s = db_.prepare("DELETE FROM bindings WHERE account_id = ?1 AND contact_key = ?2");
  if (!s) return s.error();
  s->bind(1, account_id).bind(2, contact_key);
  return s->run("cannot remove the binding");
}

Result<void> SqlBindings::remove_account(Id account_id) {
  auto s = db_.prepare("DELETE FROM bindings WHERE account_id = ?1");
  if (!s) return s.error();
  s->bind(1, account_id);
  return s->run("cannot remove the bindings");
}

Result<std::size_t> SqlBindings::remove_expired(std::int64_t now) {
  auto s = db_.prepare("DELETE FROM bindings WHERE expires <= ?1");
  if (!s) return s.error();
  s->bind(1, now);
  if (auto r = s->run("cannot remove expired bindings"); !r) return r.error();
  return static_cast<std::size_t>(db_.changes());
}

}  // namespace sip::store
