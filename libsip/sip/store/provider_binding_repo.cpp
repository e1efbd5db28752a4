// Provider registration states: one row per provider, replaced on every
// change, removed with the provider (schema cascade) or by the agent.
#include "sip/store/sql_repos.hpp"

namespace sip::store {

Result<std::vector<ProviderBindingState>> SqlProviderBindings::list() {
  auto s = db_.prepare(
      "SELECT provider_id, state, reason, registered_until, next_attempt, attempts, fingerprint, "
      "contact, updated FROM provider_bindings ORDER BY provider_id");
  if (!s) return s.error();
  std::vector<ProviderBindingState> out;
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) break;
    ProviderBindingState b;
    b.provider_id = s->column_int(0);
    b.state = s->column_text(1);
    b.reason = s->column_text(2);
    b.registered_until = s->column_int(3);
    b.next_attempt = s->column_int(4);
    b.attempts = s->column_int(5);
    b.fingerprint = s->column_text(6);
    b.contact = s->column_text(7);
    b.updated = s->column_int(8);
    out.push_back(std::move(b));
  }
  return out;
}

Result<void> SqlProviderBindings::upsert(const ProviderBindingState& b) {
  // A provider removed meanwhile: nothing to keep (no foreign key error).
  auto s = db_.prepare(
      "INSERT INTO provider_bindings (provider_id, state, reason, registered_until, "
      "next_attempt, attempts, fingerprint, contact, updated) "
      "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE EXISTS "
      "(SELECT 1 FROM providers WHERE id = ?1) "
      "ON CONFLICT(provider_id) DO UPDATE SET state = excluded.state, "
      "reason = excluded.reason, registered_until = excluded.registered_until, "
      "next_attempt = excluded.next_attempt, attempts = excluded.attempts, "
      "fingerprint = excluded.fingerprint, contact = excluded.contact, "
      "updated = excluded.updated");
  if (!s) return s.error();
  s->bind(1, b.provider_id)
      .bind(2, b.state)
      .bind(3, b.reason)
      .bind(4, b.registered_until)
      .bind(5, b.next_attempt)
      .bind(6, b.attempts)
      .bind(7, b.fingerprint)
      .bind(8, b.contact)
      .bind(9, b.updated);
  return s->run("cannot store the provider registration state");
}

Result<void> SqlProviderBindings::remove(Id provider_id) {
  auto s = db_.prepare("DELETE FROM provider_bindings WHERE provider_id = ?1");
  if (!s) return s.error();
  s->bind(1, provider_id);
  return s->run("cannot remove the provider registration state");
}

}  // namespace sip::store
