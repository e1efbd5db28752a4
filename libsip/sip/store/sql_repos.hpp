// The SQL implementations of the repository interfaces, written once for
// both backends over sql_db.hpp (internal to the module; sqlite_store.cpp
// and pg_store.cpp compose them). Each borrows the store's Db and
// validates records with validate.hpp before writing. Multi-statement
// writes run in a TxScope, so they nest inside Store::transaction and the
// WriteQueue's savepoints.
// Thread-safety: as the owning Store (one thread at a time).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "sip/store/sql_db.hpp"
#include "sip/store/store.hpp"

namespace sip::store {

struct CdrSql;  // cdr_query.hpp

inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class SqlCustomers final : public CustomerRepository {
 public:
  explicit SqlCustomers(Db& db) : db_(db) {}
  Result<std::vector<Customer>> list() override;
  Result<Customer> get(Id id) override;
  Result<Customer> find(std::string_view username) override;
  Result<Customer> find_by_api_key(std::string_view api_key) override;
  Result<Id> add(const Customer& customer) override;
  Result<void> update(const Customer& customer) override;
  Result<void> remove(Id id) override;

 private:
  Result<Customer> one(Stmt& stmt);  // the first row, or not_found
  Db& db_;
};

class SqlDomains final : public DomainRepository {
 public:
  explicit SqlDomains(Db& db) : db_(db) {}
  Result<std::vector<Domain>> list() override;
  Result<Domain> find(std::string_view name_or_alias) override;
  Result<Id> add(const Domain& domain) override;
  Result<void> update(const Domain& domain) override;
  Result<void> remove(Id id) override;
  Result<Domain> get(Id id);

 private:
  // conflict when `name` is a name or alias of a domain other than `self`.
  Result<void> check_free(const std::string& name, Id self);
  Result<void> check_names(const Domain& domain, Id self);
  Result<void> check_owner(Id owner_id);
  Result<void> write_aliases(const Domain& domain, Id id);
  Result<void> load_aliases(Domain& domain);
  Db& db_;
};

class SqlAccounts final : public AccountRepository {
 public:
  explicit SqlAccounts(Db& db) : db_(db) {}
  Result<std::vector<SipAccount>> list(Id owner = 0) override;
  Result<SipAccount> get(Id id) override;
  Result<SipAccount> find(std::string_view username, std::string_view domain) override;
  Result<Id> add(const SipAccount& account) override;
  Result<void> update(const SipAccount& account) override;
  Result<void> remove(Id id) override;

 private:
  struct Placement {
    Id domain_id = 0;
  };
  // Checks domain, owner and the owner's account limit; the domain id.
  Result<Placement> place(const SipAccount& account, Id previous_owner);
  Db& db_;
};

class SqlBindings final : public BindingRepository {
 public:
  explicit SqlBindings(Db& db) : db_(db) {}
  Result<std::vector<Binding>> list() override;
  Result<std::vector<Binding>> list_for(Id account_id) override;
  Result<void> upsert(const Binding& binding) override;
  Result<void> remove(Id account_id, std::string_view contact_key) override;
  Result<void> remove_account(Id account_id) override;
  Result<std::size_t> remove_expired(std::int64_t now) override;
  void set_node(std::string node) { node_ = std::move(node); }

 private:
  Result<std::vector<Binding>> select(const char* sql, Id account_id);
  Db& db_;
  std::string node_;  // written for bindings without a node of their own
};

class SqlProviders final : public ProviderRepository {
 public:
  explicit SqlProviders(Db& db) : db_(db) {}
  Result<std::vector<Provider>> list(Id owner = 0) override;
  Result<Provider> get(Id id) override;
  Result<Provider> find(Id owner, std::string_view name) override;
  Result<Id> add(const Provider& provider) override;
  Result<void> update(const Provider& provider) override;
  Result<void> remove(Id id) override;

 private:
  Db& db_;
};

class SqlProviderBindings final : public ProviderBindingRepository {
 public:
  explicit SqlProviderBindings(Db& db) : db_(db) {}
  Result<std::vector<ProviderBindingState>> list() override;
  Result<void> upsert(const ProviderBindingState& state) override;
  Result<void> remove(Id provider_id) override;

 private:
  Db& db_;
};

class SqlDialPlans final : public DialPlanRepository {
 public:
  explicit SqlDialPlans(Db& db) : db_(db) {}
  Result<std::vector<DialPlan>> list(Id owner = 0) override;
  Result<DialPlan> get(Id id) override;
  Result<DialPlan> find(Id owner, std::string_view name) override;
  Result<Id> add(const DialPlan& plan) override;
  Result<void> update(const DialPlan& plan) override;
  Result<void> remove(Id id) override;

 private:
  Db& db_;
};

class SqlCdrs final : public CdrRepository {
 public:
  explicit SqlCdrs(Db& db) : db_(db) {}
  Result<void> upsert(const Cdr& cdr) override;
  Result<void> scan(const CdrQuery& query, const std::function<bool(const Cdr&)>& visit) override;
  Result<std::vector<Cdr>> list(const CdrQuery& query) override;
  Result<std::int64_t> count(const CdrQuery& query) override;
  Result<Cdr> get(std::string_view id) override;

 private:
  Result<void> scan_cursor(const CdrSql& sql, const std::function<bool(const Cdr&)>& visit);
  Db& db_;
};

class SqlKv final : public KvRepository {
 public:
  explicit SqlKv(Db& db) : db_(db) {}
  Result<std::optional<std::string>> get(Id owner, std::string_view key) override;
  Result<void> put(Id owner, std::string_view key, std::string_view value,
                   std::int64_t updated) override;
  Result<void> remove(Id owner, std::string_view key) override;
  Result<std::vector<std::string>> keys(Id owner) override;
  Result<void> scan(
      Id owner,
      const std::function<bool(Id, const std::string&, const std::string&)>& visit) override;

 private:
  Db& db_;
};

// Steps an "INSERT ... RETURNING id" to its end; the new row's id.
inline Result<Id> inserted_id(Stmt& s, const char* detail, const char* conflict_detail) {
  auto row = s.step(detail, conflict_detail);
  if (!row) return row.error();
  if (!*row) return make_error(Errc::storage, 0, detail);
  const Id id = s.column_int(0);
  if (auto done = s.step(detail, conflict_detail); !done) return done.error();
  return id;
}

// invalid_argument when no customer has `owner_id` (foreign keys would
// report it too, without saying which field).
Result<void> check_owner_exists(Db& db, Id owner_id, const char* detail);

// The Store over one connection of either backend: the same repositories,
// transactions through TxScope (SQLite: BEGIN IMMEDIATE; PostgreSQL: a
// transaction with the write lock; nested: a savepoint). sqlite_store.cpp
// and pg_store.cpp open, check and migrate the connection.
class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<Db> db, int version, bool read_only)
      : db_(std::move(db)),
        customers_(*db_),
        domains_(*db_),
        accounts_(*db_),
        bindings_(*db_),
        providers_(*db_),
        dialplans_(*db_),
        cdrs_(*db_),
        kv_(*db_),
        provider_bindings_(*db_),
        version_(version),
        read_only_(read_only) {}

  CustomerRepository& customers() override { return customers_; }
  DomainRepository& domains() override { return domains_; }
  AccountRepository& accounts() override { return accounts_; }
  BindingRepository& bindings() override { return bindings_; }
  ProviderRepository& providers() override { return providers_; }
  DialPlanRepository& dialplans() override { return dialplans_; }
  CdrRepository& cdrs() override { return cdrs_; }
  KvRepository& kv() override { return kv_; }
  ProviderBindingRepository& provider_bindings() override { return provider_bindings_; }
  int schema_version() const override { return version_; }
  void set_node(std::string node) override { bindings_.set_node(std::move(node)); }

  // Outside a transaction: one write transaction (read-only: one
  // consistent snapshot). Inside one (a WriteQueue job, or a body calling
  // transaction() again): a savepoint.
  Result<void> transaction(const std::function<Result<void>()>& body) override {
    auto tx = TxScope::begin(*db_, read_only_);
    if (!tx) return tx.error();
    if (auto r = body(); !r) return r;  // the scope rolls back
    return tx->commit();
  }

 private:
  std::unique_ptr<Db> db_;
  SqlCustomers customers_;
  SqlDomains domains_;
  SqlAccounts accounts_;
  SqlBindings bindings_;
  SqlProviders providers_;
  SqlDialPlans dialplans_;
  SqlCdrs cdrs_;
  SqlKv kv_;
  SqlProviderBindings provider_bindings_;
  int version_;
  bool read_only_;
};

}  // namespace sip::store
