// SIP providers: name unique per owner case-insensitively; the owner must
// exist; removed with their owner (schema cascade).
#include "sip/store/sql_repos.hpp"
#include "sip/store/validate.hpp"

namespace sip::store {
namespace {

#define SIP_PROVIDER_SELECT                                                             \
  "SELECT id, owner_id, name, type, server, username, password, auth_username, "        \
  "outbound_proxy, from_template, custom_headers, register_enabled, register_contact, " \
  "register_expiry, register_server, register_realm, read_only, created FROM providers "

Provider read_provider(const Stmt& s) {
  Provider p;
  p.id = s.column_int(0);
  p.owner_id = s.column_int(1);
  p.name = s.column_text(2);
  p.type = s.column_text(3);
  p.server = s.column_text(4);
  p.username = s.column_text(5);
  p.password = s.column_text(6);
  p.auth_username = s.column_text(7);
  p.outbound_proxy = s.column_text(8);
  p.from_template = s.column_text(9);
  p.custom_headers = s.column_text(10);
  p.register_enabled = s.column_int(11) != 0;
  p.register_contact = s.column_text(12);
  p.register_expiry = static_cast<int>(s.column_int(13));
  p.register_server = s.column_text(14);
  p.register_realm = s.column_text(15);
  p.read_only = s.column_int(16) != 0;
  p.created = s.column_int(17);
  return p;
}

Result<Provider> first_provider(Stmt& s) {
  auto row = s.step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, 0, "no such provider");
  return read_provider(s);
}

constexpr const char* kTakenDetail = "the customer already has a provider with that name";

// Binds ?2.. ?18 (every column but id) in table order.
void bind_fields(Stmt& s, const Provider& p) {
  s.bind(2, p.owner_id)
      .bind(3, p.name)
      .bind(4, p.type)
      .bind(5, p.server)
      .bind(6, p.username)
      .bind(7, p.password)
      .bind(8, p.auth_username)
      .bind(9, p.outbound_proxy)
      .bind(10, p.from_template)
      .bind(11, p.custom_headers)
      .bind(12, p.register_enabled)
      .bind(13, p.register_contact)
      .bind(14, p.register_expiry)
      .bind(15, p.register_server)
      .bind(16, p.register_realm)
      .bind(17, p.read_only)
      .bind(18, p.created);
}

}  // namespace

Result<void> check_owner_exists(Db& db, Id owner_id, const char* detail) {
  auto s = db.prepare("SELECT 1 FROM customers WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, owner_id);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::invalid_argument, 0, detail);
  return {};
}

Result<std::vector<Provider>> SqlProviders::list(Id owner) {
  auto s = db_.prepare(SIP_PROVIDER_SELECT
                       "WHERE ?1 = 0 OR owner_id = ?1 ORDER BY owner_id, lower(name)");
  if (!s) return s.error();
  s->bind(1, owner);
  std::vector<Provider> out;
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_provider(*s));
  }
}

Result<Provider> SqlProviders::get(Id id) {
  auto s = db_.prepare(SIP_PROVIDER_SELECT "WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, id);
  return first_provider(*s);
}

Result<Provider> SqlProviders::find(Id owner, std::string_view name) {
  auto s = db_.prepare(SIP_PROVIDER_SELECT "WHERE owner_id = ?1 AND lower(name) = lower(?2)");
  if (!s) return s.error();
  s->bind(1, owner).bind(2, name);
  return first_provider(*s);
}

Result<Id> SqlProviders::add(const Provider& provider) {
  Provider p = provider;
  if (auto r = normalize_provider(p); !r) return r.error();
  if (p.created == 0) p.created = unix_now();
  if (auto r = check_owner_exists(db_, p.owner_id, "provider owner does not exist"); !r) {
    return r.error();
  }
  auto s = db_.prepare(
      "INSERT INTO providers (owner_id, name, type, server, username, password, auth_username, "
      "outbound_proxy, from_template, custom_headers, register_enabled, register_contact, "
      "register_expiry, register_server, register_realm, read_only, created) VALUES (?2, ?3, "
      "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) RETURNING id");
  if (!s) return s.error();
  bind_fields(*s, p);
  return inserted_id(*s, "cannot add the provider", kTakenDetail);
}

Result<void> SqlProviders::update(const Provider& provider) {
  Provider p = provider;
  if (auto r = normalize_provider(p); !r) return r;
  if (auto r = check_owner_exists(db_, p.owner_id, "provider owner does not exist"); !r) return r;
  auto s = db_.prepare(
      "UPDATE providers SET owner_id = ?2, name = ?3, type = ?4, server = ?5, username = ?6, "
      "password = ?7, auth_username = ?8, outbound_proxy = ?9, from_template = ?10, "
      "custom_headers = ?11, register_enabled = ?12, register_contact = ?13, "
      "register_expiry = ?14, register_server = ?15, register_realm = ?16, read_only = ?17, "
      "created = coalesce(nullif(?18, 0), created) WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, p.id);
  bind_fields(*s, p);
  if (auto r = s->run("cannot update the provider", kTakenDetail); !r) return r;
  if (db_.changes() == 0) return make_error(Errc::not_found, 0, "no such provider");
  return {};
}

Result<void> SqlProviders::remove(Id id) {
  auto s = db_.prepare("DELETE FROM providers WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, id);
  if (auto r = s->run("cannot remove the provider"); !r) return r;
  if (db_.changes() == 0) return make_error(Errc::not_found, 0, "no such provider");
  return {};
}

}  // namespace sip::store
