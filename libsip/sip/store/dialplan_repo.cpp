// Dial plans: name unique per owner case-insensitively; the owner must
// exist; `updated` grows on every update, even within one second (plan
// caches key on it: max(given or now, previous + 1)); removed
// with their owner (schema cascade). Compiling the source is the caller's job.
#include "sip/store/sql_repos.hpp"
#include "sip/store/validate.hpp"

namespace sip::store {
namespace {

#define SIP_DIALPLAN_SELECT \
  "SELECT id, owner_id, name, type, source, description, created, updated FROM dialplans "

DialPlan read_plan(const Stmt& s) {
  DialPlan d;
  d.id = s.column_int(0);
  d.owner_id = s.column_int(1);
  d.name = s.column_text(2);
  d.type = s.column_text(3);
  d.source = s.column_text(4);
  d.description = s.column_text(5);
  d.created = s.column_int(6);
  d.updated = s.column_int(7);
  return d;
}

Result<DialPlan> first_plan(Stmt& s) {
  auto row = s.step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, 0, "no such dial plan");
  return read_plan(s);
}

constexpr const char* kTakenDetail = "the customer already has a dial plan with that name";

}  // namespace

Result<std::vector<DialPlan>> SqlDialPlans::list(Id owner) {
  auto s = db_.prepare(SIP_DIALPLAN_SELECT
                       "WHERE ?1 = 0 OR owner_id = ?1 ORDER BY owner_id, lower(name)");
  if (!s) return s.error();
  s->bind(1, owner);
  std::vector<DialPlan> out;
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_plan(*s));
  }
}

Result<DialPlan> SqlDialPlans::get(Id id) {
  auto s = db_.prepare(SIP_DIALPLAN_SELECT "WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, id);
  return first_plan(*s);
}

Result<DialPlan> SqlDialPlans::find(Id owner, std::string_view name) {
  auto s = db_.prepare(SIP_DIALPLAN_SELECT "WHERE owner_id = ?1 AND lower(name) = lower(?2)");
  if (!s) return s.error();
  s->bind(1, owner).bind(2, name);
  return first_plan(*s);
}

Result<Id> SqlDialPlans::add(const DialPlan& plan) {
  DialPlan d = plan;
  if (auto r = check_dialplan(d); !r) return r.error();
  const std::int64_t now = unix_now();
  if (d.created == 0) d.created = now;
  if (d.updated == 0) d.updated = d.created;
  if (auto r = check_owner_exists(db_, d.owner_id, "dial plan owner does not exist"); !r) {
    return r.error();
  }
  auto s = db_.prepare(
      "INSERT INTO dialplans (owner_id, name, type, source, description, created, updated) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id");
  if (!s) return s.error();
  s->bind(1, d.owner_id)
      .bind(2, d.name)
      .bind(3, d.type)
      .bind(4, d.source)
      .bind(5, d.description)
      .bind(6, d.created)
      .bind(7, d.updated);
  return inserted_id(*s, "cannot add the dial plan", kTakenDetail);
}

Result<void> SqlDialPlans::update(const DialPlan& plan) {
  DialPlan d = plan;
  if (auto r = check_dialplan(d); !r) return r;
  if (d.updated == 0) d.updated = unix_now();
  if (auto r = check_owner_exists(db_, d.owner_id, "dial plan owner does not exist"); !r) return r;
  auto s = db_.prepare(
      "UPDATE dialplans SET owner_id = ?2, name = ?3, type = ?4, source = ?5, description = ?6, "
      "updated = CASE WHEN ?7 > updated THEN ?7 ELSE updated + 1 END WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, d.id)
      .bind(2, d.owner_id)
      .bind(3, d.name)
      .bind(4, d.type)
      .bind(5, d.source)
      .bind(6, d.description)
      .bind(7, d.updated);
  if (auto r = s->run("cannot update the dial plan", kTakenDetail); !r) return r;
  if (db_.changes() == 0) return make_error(Errc::not_found, 0, "no such dial plan");
  return {};
}

Result<void> SqlDialPlans::remove(Id id) {
  auto s = db_.prepare("DELETE FROM dialplans WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, id);
  if (auto r = s->run("cannot remove the dial plan"); !r) return r;
  if (db_.changes() == 0) return make_error(Errc::not_found, 0, "no such dial plan");
  return {};
}

}  // namespace sip::store
