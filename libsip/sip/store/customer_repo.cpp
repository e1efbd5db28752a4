// Customers: username and api_key unique; removal cascades (schema) to the
// customer's domains, accounts, bindings, providers, dial plans and dial plan
// data (CDRs stay).
#include "sip/store/sql_repos.hpp"
#include "sip/store/validate.hpp"

namespace sip::store {
namespace {

// Column list shared by every SELECT (a macro so the SQL stays a literal,
// which the statement cache keys on).
#define SIP_CUSTOMER_SELECT                                                                \
  "SELECT id, username, password_hash, api_key, time_zone, max_executions, max_accounts, " \
  "admin, disabled, created FROM customers "

Customer read_customer(const Stmt& s) {
  Customer c;
  c.id = s.column_int(0);
  c.username = s.column_text(1);
  c.password_hash = s.column_text(2);
  c.api_key = s.column_text(3);
  c.time_zone = s.column_text(4);
  c.max_executions = static_cast<int>(s.column_int(5));
  c.max_accounts = static_cast<int>(s.column_int(6));
  c.admin = s.column_int(7) != 0;
  c.disabled = s.column_int(8) != 0;
  c.created = s.column_int(9);
  return c;
}

constexpr const char* kTakenDetail = "customer username or api_key is already taken";

}  // namespace

Result<std::vector<Customer>> SqlCustomers::list() {
  auto s = db_.prepare(SIP_CUSTOMER_SELECT "ORDER BY username");
  if (!s) return s.error();
  std::vector<Customer> out;
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_customer(*s));
  }
}

Result<Customer> SqlCustomers::one(Stmt& s) {
  auto row = s.step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, 0, "no such customer");
  return read_customer(s);
}

Result<Customer> SqlCustomers::get(Id id) {
  auto s = db_.prepare(SIP_CUSTOMER_SELECT "WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, id);
  return one(*s);
}

Result<Customer> SqlCustomers::find(std::string_view username) {
  const std::string key = to_lower(username);
  auto s = db_.prepare(SIP_CUSTOMER_SELECT "WHERE username = ?1");
  if (!s) return s.error();
  s->bind(1, key);
  return one(*s);
}

Result<Customer> SqlCustomers::find_by_api_key(std::string_view api_key) {
  if (api_key.empty()) return make_error(Errc::not_found, 0, "no such customer");
  const std::string key = to_lower(api_key);
  auto s = db_.prepare(SIP_CUSTOMER_SELECT "WHERE api_key = ?1");
  if (!s) return s.error();
  s->bind(1, key);
  return one(*s);
}

Result<Id> SqlCustomers::add(const Customer& customer) {
  Customer c = customer;
  if (auto r = normalize_customer(c); !r) return r.error();
  if (c.created == 0) c.created = unix_now();
  auto s = db_.prepare(
      "INSERT INTO customers (username, password_hash, api_key, time_zone, max_executions, "
      "max_accounts, admin, disabled, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
      "RETURNING id");
  if (!s) return s.error();
  s->bind(1, c.username)
      .bind(2, c.password_hash)
      .bind(3, c.api_key)
      .bind(4, c.time_zone)
      .bind(5, c.max_executions)
      .bind(6, c.max_accounts)
      .bind(7, c.admin)
      .bind(8, c.disabled)
      .bind(9, c.created);
  return inserted_id(*s, "cannot add the customer", kTakenDetail);
}

Result<void> SqlCustomers::update(const Customer& customer) {
  Customer c = customer;
  if (auto r = normalize_customer(c); !r) return r;
  auto s = db_.prepare(
      "UPDATE customers SET username = ?2, password_hash = ?3, api_key = ?4, time_zone = ?5, "
      "max_executions = ?6, max_accounts = ?7, admin = ?8, disabled = ?9 WHERE id = ?1");
  if (!s) return s.error();
  s->bind(1, c.id)
      .bind(2, c.username)
      .bind(3, c.password_hash)
      .bind(4, c.api_key)
      .bind(5, c.time_zone)
      .bind(6, c.max_executions)
      .bind(7, c.max_accounts)
      .bind(8, c.admin)
      .bind(9, c.disabled);
  if (auto r = s->run("cannot update the customer", kTakenDetail); !r) return r;
  if (db_.changes() == 0) return make_error(Errc::not_found, 0, "no such customer");
  return {};
}

Result<void> SqlCustomers::remove(Id id) {
  auto tx = TxScope::begin(db_);
  if (!tx) return tx.error();
  // Accounts of other customers on this customer's domains would be left
  // without a domain; the caller must move or remove them first.
  {
    auto used = db_.prepare(
        "SELECT 1 FROM sip_accounts a JOIN domains d ON d.id = a.domain_id "
        "WHERE d.owner_id = ?1 AND a.owner_id <> ?1 LIMIT 1");
    if (!used) return used.error();
    used->bind(1, id);
    auto row = used->step();
    if (!row) return row.error();
    if (*row) {
      return make_error(Errc::invalid_argument, 0,
                        "accounts of other customers use a domain of this customer");
    }
  }  // statements are reset before the commit
  {
    auto s = db_.prepare("DELETE FROM customers WHERE id = ?1");
    if (!s) return s.error();
    s->bind(1, id);
    if (auto r = s->run("cannot remove the customer"); !r) return r;
    if (db_.changes() == 0) return make_error(Errc::not_found, 0, "no such customer");
  }
  return tx->commit();
}

}  // namespace sip::store
