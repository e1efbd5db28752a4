// SIP accounts: username unique per domain case-insensitively; the domain
// must be a served domain's name (not an alias) open to the owner; the owner
// must exist and stay within its max_accounts.
#include "sip/store/sql_repos.hpp"
#include "sip/store/validate.hpp"

namespace sip::store {
namespace {

#define SIP_ACCOUNT_SELECT                                                                 \
  "SELECT a.id, a.owner_id, a.username, d.name, a.ha1_md5, a.ha1_sha256, a.out_dialplan, " \
  "a.in_dialplan, a.incoming_only, a.disabled, a.keepalive, a.ip_acl, a.dont_mangle, "     \
  "a.network_id, a.description, a.created, a.digest_algorithms FROM sip_accounts a JOIN "  \
  "domains d ON d.id = a.domain_id "

SipAccount read_account(const Stmt& s) {
  SipAccount a;
  a.id = s.column_int(0);
  a.owner_id = s.column_int(1);
  a.username = s.column_text(2);
  a.domain = s.column_text(3);
  a.ha1_md5 = s.column_text(4);
  a.ha1_sha256 = s.column_text(5);
  a.out_dialplan = s.column_text(6);
  a.in_dialplan = s.column_text(7);
  a.incoming_only = s.column_int(8) != 0;
  a.disabled = s.column_int(9) != 0;
  if (!parse_keepalive(s.column_text(10), a.keepalive)) a.keepalive = KeepAliveMode::Crlf;
  a.ip_acl = s.column_text(11);
  a.dont_mangle = s.column_int(12) != 0;
  a.network_id = s.column_text(13);
  a.description = s.column_text(14);
  a.created = s.column_int(15);
  a.digest_algorithms = s.column_text(16);
  return a;
}

Result<SipAccount> first_account(Stmt& s) {
  auto row = s.step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, 0, "no such account");
  return read_account(s);
}

constexpr const char* kTakenDetail = "the account username already exists in the domain";

Error invalid(const char* detail) {
  return make_error(Errc::invalid_argument, 0, detail);
}

}  // namespace

Result<std::vector<SipAccount>> SqlAccounts::list(Id owner) {
  auto s = db_.prepare(SIP_ACCOUNT_SELECT
                       "WHERE ?1 = 0 OR a.owner_id = ?1 ORDER BY d.name, "
                       "lower(a.username)");
  if (!s) return s.error();
  s->bind(1, owner);
  std::vector<SipAccount> out;
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_account(*s));
  }
}

Result<SipAccount> SqlAccounts::get(Id id) {
  auto s = db_.prepare(SIP_ACCOUNT_SELECT "WHERE a.id = ?1");
  if (!s) return s.error();
  s->bind(1, id);
  return first_account(*s);
}

Result<SipAccount> SqlAccounts::find(std::string_view username, std::string_view domain) {
  const std::string host = to_lower(domain);
  auto s = db_.prepare(SIP_ACCOUNT_SELECT
                       "WHERE lower(a.username) = lower(?1) AND a.domain_id = "
                       "coalesce((SELECT id FROM domains WHERE name = ?2), "
                       "(SELECT domain_id FROM domain_aliases WHERE alias = ?2))");
  if (!s) return s.error();
  s->bind(1, username).bind(2, host);
  return first_account(*s);
}

Result<SqlAccounts::Placement> SqlAccounts::place(const SipAccount& a, Id previous_owner) {
  Placement p;
  Id domain_owner = 0;
  {
    auto s = db_.prepare("SELECT id, owner_id FROM domains WHERE name = ?1");
    if (!s) return s.error();
    s->bind(1, a.domain);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return invalid("account domain is not the name of a served domain");
    p.domain_id = s->column_int(0);
    domain_owner = s->column_int(1);
  }
  int max_accounts = 0;
  {
    auto s = db_.prepare("SELECT max_accounts FROM customers WHERE id = ?1");
    if (!s) return s.error();
    s->bind(1, a.owner_id);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return invalid("account owner does not exist");
    max_accounts = static_cast<int>(s->column_int(0));
  }
  if (domain_owner != 0 && domain_owner != a.owner_id) {
    return invalid("account domain belongs to another customer");
  }
  if (previous_owner != a.owner_id) {
    auto s = db_.prepare("SELECT count(*) FROM sip_accounts WHERE owner_id = ?1");
    if (!s) return s.error();
    s->bind(1, a.owner_id);
    auto row = s->step();
    if (!row) return row.error();
    if (*row && s->column_int(0) >= max_accounts) {
      return make_error(Errc::limit_reached, 0, "the customer has max_accounts accounts");
    }
  }
  return p;
}

Result<Id> SqlAccounts::add(const SipAccount& account) {
  SipAccount a = account;
  if (auto r = normalize_account(a); !r) return r.error();
  if (a.created == 0) a.created = unix_now();
  auto tx = TxScope::begin(db_);
  if (!tx) return tx.error();
  auto p = place(a, 0);
  if (!p) return p.error();
  Id id = 0;
  {
    auto s = db_.prepare(
        "INSERT INTO sip_accounts (owner_id, username, domain_id, ha1_md5, ha1_sha256, "
        "out_dialplan, in_dialplan, incoming_only, disabled, keepalive, ip_acl, dont_mangle, "
        "network_id, description, created, digest_algorithms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
        "RETURNING id");
    if (!s) return s.error();
    s->bind(1, a.owner_id)
        .bind(2, a.username)
        .bind(3, p->domain_id)
        .bind(4, a.ha1_md5)
        .bind(5, a.ha1_sha256)
        .bind(6, a.out_dialplan)
        .bind(7, a.in_dialplan)
        .bind(8, a.incoming_only)
        .bind(9, a.disabled)
        .bind(10, keepalive_name(a.keepalive))
        .bind(11, a.ip_acl)
        .bind(12, a.dont_mangle)
        .bind(13, a.network_id)
        .bind(14, a.description)
        .bind(15, a.created)
        .bind(16, a.digest_algorithms);
    auto added = inserted_id(*s, "cannot add the account", kTakenDetail);
    if (!added) return added.error();
    id = *added;
  }
  if (auto r = tx->commit(); !r) return r.error();
  return id;
}

Result<void> SqlAccounts::update(const SipAccount& account) {
  SipAccount a = account;
  if (auto r = normalize_account(a); !r) return r;
  auto tx = TxScope::begin(db_);
  if (!tx) return tx.error();
  Id previous_owner = 0;
  {
    auto s = db_.prepare("SELECT owner_id FROM sip_accounts WHERE id = ?1");
    if (!s) return s.error();
    s->bind(1, a.id);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::not_found, 0, "no such account");
    previous_owner = s->column_int(0);
  }
  auto p = place(a, previous_owner);
  if (!p) return p.error();
  {
    auto s = db_.prepare(
        "UPDATE sip_accounts SET owner_id = ?2, username = ?3, domain_id = ?4, ha1_md5 = ?5, "
        "ha1_sha256 = ?6, out_dialplan = ?7, in_dialplan = ?8, incoming_only = ?9, "
        "disabled = ?10, keepalive = ?11, ip_acl = ?12, dont_mangle = ?13, network_id = ?14, "
        "description = ?15, digest_algorithms = ?16 WHERE id = ?1");
    if (!s) return s.error();
    s->bind(1, a.id)
        .bind(2, a.owner_id)
        .bind(3, a.username)
        .bind(4, p->domain_id)
        .bind(5, a.ha1_md5)
        .bind(6, a.ha1_sha256)
        .bind(7, a.out_dialplan)
        .bind(8, a.in_dialplan)
        .bind(9, a.incoming_only)
        .bind(10, a.disabled)
        .bind(11, keepalive_name(a.keepalive))
        .bind(12, a.ip_acl)
        .bind(13, a.dont_mangle)
        .bind(14, a.network_id)
        .bind(15, a.description)
        .bind(16, a.digest_algorithms);
    if (auto r = s->run("cannot update the account", kTakenDetail); !r) return r;
  }
  return tx->commit();
}

Result<void> SqlAccounts::remove(Id id) {
  auto s = db_.prepare("DELETE FROM sip_accounts WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, id);
  if (auto r = s->run("cannot remove the account"); !r) return r;
  if (db_.changes() == 0) return make_error(Errc::not_found, 0, "no such account");
  return {};
}

}  // namespace sip::store
