// Domains and their aliases: every name and alias is unique across both
// (the alias table's key covers alias/alias, the code covers name/alias).
#include <unordered_map>

#include "sip/store/sql_repos.hpp"
#include "sip/store/validate.hpp"

namespace sip::store {
namespace {

#define SIP_DOMAIN_SELECT "SELECT id, name, owner_id, created FROM domains "

Domain read_domain(const Stmt& s) {
  Domain d;
  d.id = s.column_int(0);
  d.name = s.column_text(1);
  d.owner_id = s.column_int(2);  // NULL reads as 0
  d.created = s.column_int(3);
  return d;
}

Error no_domain() {
  return make_error(Errc::not_found, 0, "no such domain");
}

}  // namespace

Result<std::vector<Domain>> SqlDomains::list() {
  std::vector<Domain> out;
  std::unordered_map<Id, std::size_t> index;
  {
    auto s = db_.prepare(SIP_DOMAIN_SELECT "ORDER BY name");
    if (!s) return s.error();
    for (;;) {
      auto row = s->step();
      if (!row) return row.error();
      if (!*row) break;
      index.emplace(s->column_int(0), out.size());
      out.push_back(read_domain(*s));
    }
  }
  auto s = db_.prepare("SELECT domain_id, alias FROM domain_aliases ORDER BY alias");
  if (!s) return s.error();
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) break;
    const auto it = index.find(s->column_int(0));
    if (it != index.end()) out[it->second].aliases.push_back(s->column_text(1));
  }
  return out;
}

Result<void> SqlDomains::load_aliases(Domain& domain) {
  auto s = db_.prepare("SELECT alias FROM domain_aliases WHERE domain_id = ?1 ORDER BY alias");
  if (!s) return s.error();
  s->bind(1, domain.id);
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return {};
    domain.aliases.push_back(s->column_text(0));
  }
}

Result<Domain> SqlDomains::get(Id id) {
  Domain d;
  {
    auto s = db_.prepare(SIP_DOMAIN_SELECT "WHERE id = ?1");
    if (!s) return s.error();
    s->bind(1, id);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return no_domain();
    d = read_domain(*s);
  }
  if (auto r = load_aliases(d); !r) return r.error();
  return d;
}

Result<Domain> SqlDomains::find(std::string_view name_or_alias) {
  const std::string key = to_lower(name_or_alias);
  Id id = 0;
  {
    auto s = db_.prepare(
        "SELECT id FROM domains WHERE name = ?1 "
        "UNION ALL SELECT domain_id FROM domain_aliases WHERE alias = ?1 LIMIT 1");
    if (!s) return s.error();
    s->bind(1, key);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return no_domain();
    id = s->column_int(0);
  }
  return get(id);
}

Result<void> SqlDomains::check_free(const std::string& name, Id self) {
  auto s = db_.prepare(
      "SELECT 1 FROM domains WHERE name = ?1 AND id <> ?2 "
      "UNION ALL SELECT 1 FROM domain_aliases WHERE alias = ?1 AND domain_id <> ?2 LIMIT 1");
  if (!s) return s.error();
  s->bind(1, name).bind(2, self);
  auto row = s->step();
  if (!row) return row.error();
  if (*row) return make_error(Errc::conflict, 0, "a domain name or alias is already in use");
  return {};
}

Result<void> SqlDomains::check_names(const Domain& domain, Id self) {
  if (auto r = check_free(domain.name, self); !r) return r;
  for (const auto& alias : domain.aliases) {
    if (auto r = check_free(alias, self); !r) return r;
  }
  return {};
}

Result<void> SqlDomains::check_owner(Id owner_id) {
  if (owner_id == 0) return {};
  auto s = db_.prepare("SELECT 1 FROM customers WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, owner_id);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::invalid_argument, 0, "domain owner does not exist");
  return {};
}

Result<void> SqlDomains::write_aliases(const Domain& domain, Id id) {
  {
    auto s = db_.prepare("DELETE FROM domain_aliases WHERE domain_id = ?1");
    if (!s) return s.error();
    s->bind(1, id);
    if (auto r = s->run("cannot write domain aliases"); !r) return r;
  }
  for (const auto& alias : domain.aliases) {
    auto s = db_.prepare("INSERT INTO domain_aliases (alias, domain_id) VALUES (?1, ?2)");
    if (!s) return s.error();
    s->bind(1, alias).bind(2, id);
    if (auto r = s->run("cannot write domain aliases", "a domain alias is already in use"); !r) {
      return r;
    }
  }
  return {};
}

Result<Id> SqlDomains::add(const Domain& domain) {
  Domain d = domain;
  if (auto r = normalize_domain(d); !r) return r.error();
  if (d.created == 0) d.created = unix_now();
  auto tx = TxScope::begin(db_);
  if (!tx) return tx.error();
  if (auto r = check_owner(d.owner_id); !r) return r.error();
  if (auto r = check_names(d, 0); !r) return r.error();
  Id id = 0;
  {
    auto s = db_.prepare("INSERT INTO domains (name, owner_id, created) VALUES (?1, ?2, ?3) RETURNING id");
    if (!s) return s.error();
    s->bind(1, d.name).bind_id_or_null(2, d.owner_id).bind(3, d.created);
    auto added = inserted_id(*s, "cannot add the domain", "a domain name is already in use");
    if (!added) return added.error();
    id = *added;
  }
  if (auto r = write_aliases(d, id); !r) return r.error();
  if (auto r = tx->commit(); !r) return r.error();
  return id;
}

Result<void> SqlDomains::update(const Domain& domain) {
  Domain d = domain;
  if (auto r = normalize_domain(d); !r) return r;
  auto tx = TxScope::begin(db_);
  if (!tx) return tx.error();
  if (auto r = check_owner(d.owner_id); !r) return r;
  if (auto r = check_names(d, d.id); !r) return r;
  if (d.owner_id != 0) {
    auto s = db_.prepare("SELECT 1 FROM sip_accounts WHERE domain_id = ?1 AND owner_id <> ?2");
    if (!s) return s.error();
    s->bind(1, d.id).bind(2, d.owner_id);
    auto row = s->step();
    if (!row) return row.error();
    if (*row) {
      return make_error(Errc::invalid_argument, 0,
                        "accounts of other customers use the domain; it cannot change owner");
    }
  }
  {
    auto s = db_.prepare("UPDATE domains SET name = ?2, owner_id = ?3 WHERE id = ?1");
    if (!s) return s.error();
    s->bind(1, d.id).bind(2, d.name).bind_id_or_null(3, d.owner_id);
    if (auto r = s->run("cannot update the domain", "a domain name is already in use"); !r) {
      return r;
    }
    if (db_.changes() == 0) return no_domain();
  }
  if (auto r = write_aliases(d, d.id); !r) return r;
  return tx->commit();
}

Result<void> SqlDomains::remove(Id id) {
  auto tx = TxScope::begin(db_);
  if (!tx) return tx.error();
  {
    auto s = db_.prepare("SELECT 1 FROM sip_accounts WHERE domain_id = ?1 LIMIT 1");
    if (!s) return s.error();
    s->bind(1, id);
    auto row = s->step();
    if (!row) return row.error();
    if (*row) {
      return make_error(Errc::invalid_argument, 0, "accounts still use the domain");
    }
  }
  {
    auto s = db_.prepare("DELETE FROM domains WHERE id = ?1");
    if (!s) return s.error();
    s->bind(1, id);
    if (auto r = s->run("cannot remove the domain"); !r) return r;
    if (db_.changes() == 0) return no_domain();
  }
  return tx->commit();
}

}  // namespace sip::store
