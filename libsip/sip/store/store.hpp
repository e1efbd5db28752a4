// The provisioning store behind narrow repository interfaces, so the roles
// never see SQL and a PostgreSQL backend can be added for multi-node
// deployments. SQLite (WAL, numbered migrations) is the default backend; see
// sqlite_store.hpp. Thread-safety: one Store object (one connection) is used
// by one thread at a time; the core thread has its own, the WriteQueue's
// thread another. Returned records are copies owned by the caller.
// Errors: not_found, conflict (unique name taken), invalid_argument (a record
// that breaks a rule, detail says which), storage (the database failed).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/result.hpp"
#include "sip/store/types.hpp"

namespace sip::store {

class CustomerRepository {
 public:
  virtual ~CustomerRepository() = default;
  virtual Result<std::vector<Customer>> list() = 0;
  virtual Result<Customer> get(Id id) = 0;
  virtual Result<Customer> find(std::string_view username) = 0;
  virtual Result<Customer> find_by_api_key(std::string_view api_key) = 0;
  // Returns the new id. `created` 0 = now.
  virtual Result<Id> add(const Customer& customer) = 0;
  virtual Result<void> update(const Customer& customer) = 0;  // by id
  // Also removes the customer's domains, accounts and their bindings,
  // providers and dial plans (CDRs stay, for billing).
  virtual Result<void> remove(Id id) = 0;
};

class DomainRepository {
 public:
  virtual ~DomainRepository() = default;
  virtual Result<std::vector<Domain>> list() = 0;
  // By name or alias, case-insensitive.
  virtual Result<Domain> find(std::string_view name_or_alias) = 0;
  // conflict when the name or an alias is already a name or alias.
  virtual Result<Id> add(const Domain& domain) = 0;
  virtual Result<void> update(const Domain& domain) = 0;  // by id (name, aliases, owner)
  // invalid_argument while accounts still use the domain.
  virtual Result<void> remove(Id id) = 0;
};

class AccountRepository {
 public:
  virtual ~AccountRepository() = default;
  // owner 0 = every customer's accounts. Ordered by domain, username.
  virtual Result<std::vector<SipAccount>> list(Id owner = 0) = 0;
  virtual Result<SipAccount> get(Id id) = 0;
  virtual Result<SipAccount> find(std::string_view username, std::string_view domain) = 0;
  // conflict when username@domain exists; invalid_argument when the domain
  // is not served or the owner does not exist.
  virtual Result<Id> add(const SipAccount& account) = 0;
  virtual Result<void> update(const SipAccount& account) = 0;  // by id
  virtual Result<void> remove(Id id) = 0;                      // and its bindings
};

class BindingRepository {
 public:
  virtual ~BindingRepository() = default;
  virtual Result<std::vector<Binding>> list() = 0;  // all, every account
  virtual Result<std::vector<Binding>> list_for(Id account_id) = 0;
  // Insert or replace by (account_id, contact_key).
  virtual Result<void> upsert(const Binding& binding) = 0;
  virtual Result<void> remove(Id account_id, std::string_view contact_key) = 0;  // ok if absent
  virtual Result<void> remove_account(Id account_id) = 0;
  // Removes bindings with expires <= now; returns how many.
  virtual Result<std::size_t> remove_expired(std::int64_t now) = 0;
};

class ProviderRepository {
 public:
  virtual ~ProviderRepository() = default;
  // owner 0 = every customer's providers. Ordered by owner, name.
  virtual Result<std::vector<Provider>> list(Id owner = 0) = 0;
  virtual Result<Provider> get(Id id) = 0;
  virtual Result<Provider> find(Id owner, std::string_view name) = 0;  // case-insensitive
  // conflict when the owner has that name; invalid_argument when a field
  // breaks a rule (detail names it) or the owner does not exist.
  virtual Result<Id> add(const Provider& provider) = 0;
  virtual Result<void> update(const Provider& provider) = 0;  // by id
  virtual Result<void> remove(Id id) = 0;
};

class DialPlanRepository {
 public:
  virtual ~DialPlanRepository() = default;
  // owner 0 = every customer's plans. Ordered by owner, name.
  virtual Result<std::vector<DialPlan>> list(Id owner = 0) = 0;
  virtual Result<DialPlan> get(Id id) = 0;
  virtual Result<DialPlan> find(Id owner, std::string_view name) = 0;  // case-insensitive
  // The store checks names/types/sizes only (source <= 256 KiB); compiling
  // the source (validate on save) is the caller's job before add/update.
  // `updated` 0 = now.
  virtual Result<Id> add(const DialPlan& plan) = 0;
  virtual Result<void> update(const DialPlan& plan) = 0;  // by id
  virtual Result<void> remove(Id id) = 0;
};

class CdrRepository {
 public:
  virtual ~CdrRepository() = default;
  // Insert, or update by id; a leg's identity (owner_id, created, call_id,
  // bridge_id, direction) keeps the values of its first write.
  virtual Result<void> upsert(const Cdr& cdr) = 0;
  // Calls `visit` with each matching record in the query's order, reading
  // one snapshot, until it returns false. Memory stays flat however many.
  virtual Result<void> scan(const CdrQuery& query,
                            const std::function<bool(const Cdr&)>& visit) = 0;
  // The same, collected (mind the query's limit).
  virtual Result<std::vector<Cdr>> list(const CdrQuery& query) = 0;
  // How many records scan would visit (limit included).
  virtual Result<std::int64_t> count(const CdrQuery& query) = 0;
  virtual Result<Cdr> get(std::string_view id) = 0;
};

// The per-customer key/value store of dial plans (sys.DBRead/DBWrite/
// DBDelete/DBGetKeys). Keys are unique per owner; a customer never sees
// another's keys. Limits: key 1..256 bytes, value <= 10000 bytes, at most
// kMaxKvKeys keys per owner (limit_reached beyond, for new keys only).
class KvRepository {
 public:
  static constexpr std::size_t kMaxKvKeys = 10000;
  virtual ~KvRepository() = default;
  // nullopt when the key is absent.
  virtual Result<std::optional<std::string>> get(Id owner, std::string_view key) = 0;
  virtual Result<void> put(Id owner, std::string_view key, std::string_view value,
                           std::int64_t updated) = 0;
  virtual Result<void> remove(Id owner, std::string_view key) = 0;  // ok if absent
  virtual Result<std::vector<std::string>> keys(Id owner) = 0;      // sorted
  // Every key and value of `owner` (0 = of every owner), ordered by owner
  // then key, until `visit` returns false (the daemon's in-memory copy).
  virtual Result<void> scan(Id owner,
                            const std::function<bool(Id owner, const std::string& key,
                                                     const std::string& value)>& visit) = 0;
};

// Provider registration states (one row per provider; removed with it).
class ProviderBindingRepository {
 public:
  virtual ~ProviderBindingRepository() = default;
  virtual Result<std::vector<ProviderBindingState>> list() = 0;  // by provider id
  virtual Result<void> upsert(const ProviderBindingState& state) = 0;
  virtual Result<void> remove(Id provider_id) = 0;  // ok if absent
};

class Store {
 public:
  virtual ~Store() = default;
  virtual CustomerRepository& customers() = 0;
  virtual DomainRepository& domains() = 0;
  virtual AccountRepository& accounts() = 0;
  virtual BindingRepository& bindings() = 0;
  virtual ProviderRepository& providers() = 0;
  virtual DialPlanRepository& dialplans() = 0;
  virtual CdrRepository& cdrs() = 0;
  virtual KvRepository& kv() = 0;
  virtual ProviderBindingRepository& provider_bindings() = 0;
  // Runs `body` in one transaction: committed when it returns ok, rolled
  // back otherwise (its error is returned). Not re-entrant.
  virtual Result<void> transaction(const std::function<Result<void>()>& body) = 0;
  // The schema version after migrations (for stats and diagnostics).
  virtual int schema_version() const = 0;
  // The node (daemon) this connection writes for: bindings saved without
  // one are stamped with it (docs/postgresql.md). Default: none.
  virtual void set_node(std::string /*node*/) {}
};

using StoreFactory = std::function<Result<std::unique_ptr<Store>>()>;

}  // namespace sip::store
