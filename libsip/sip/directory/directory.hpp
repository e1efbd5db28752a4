// Directory: the in-memory index of served domains (names and aliases), SIP
// accounts, customers, providers and dial plans, loaded from the store at
// start and kept in step by whoever changes the store (control commands,
// reload). The registrar and the call manager look things up here, never in
// SQL, so a REGISTER or an INVITE costs no database read.
//
// Versions: the contents are immutable Snapshots. Every change publishes a
// new Snapshot with the next version number; tables a change does not touch
// are shared with the previous version (copy-on-write per table, rows held
// by shared pointer, so a change copies one table's pointers, not its rows).
// Whoever keeps a SnapshotPtr (a call, for its lifetime) keeps every row it
// returned alive and unchanged, whatever happens to the Directory later.
// Thread-safety: a Snapshot is immutable and may be read from any thread;
// the Directory holder is used from the core thread only. Pointers returned
// by Directory's own lookups belong to the current Snapshot: valid until
// the next change unless the caller holds that Snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sip/store/types.hpp"

namespace sip::directory {

class Directory;

// One immutable version of the directory.
class Snapshot {
 public:
  std::uint64_t version() const noexcept { return version_; }

  // The canonical name of a served domain or alias (case-insensitive), or
  // nullopt when `host` is not served here.
  std::optional<std::string_view> canonical_domain(std::string_view host) const;
  const std::vector<store::Domain>& domains() const noexcept { return domains_->list; }
  // What the alias "local" means when no domain lists it explicitly.
  std::string_view default_domain() const noexcept { return domains_->default_domain; }

  // Exact user (case-insensitive) at a served domain or alias.
  const store::SipAccount* find(std::string_view user, std::string_view host) const;
  // As find(), then the SIPSorcery dotted fallback: "anything.joe" -> "joe".
  const store::SipAccount* find_with_fallback(std::string_view user, std::string_view host) const;
  const store::SipAccount* get(store::Id id) const;
  std::size_t account_count() const noexcept { return accounts_->rows.size(); }
  template <typename Fn>
  void for_each_account(Fn&& fn) const {
    for (const auto& [id, account] : accounts_->rows) fn(*account);
  }

  // Customers (id <-> username, time zone, caps); never their secrets.
  const store::Customer* customer(store::Id id) const;
  const store::Customer* find_customer(std::string_view username) const;  // case-insensitive

  // SIP providers and dial plans, by owner and case-insensitive name.
  const store::Provider* find_provider(store::Id owner, std::string_view name) const;
  std::vector<const store::Provider*> providers_of(store::Id owner) const;  // sorted by name
  const store::DialPlan* find_dialplan(store::Id owner, std::string_view name) const;
  template <typename Fn>
  void for_each_provider(Fn&& fn) const {
    for (const auto& [id, provider] : providers_->rows) fn(*provider);
  }

  // ---- the tables (shared between versions; read-only once published)
  struct DomainTable {
    std::vector<store::Domain> list;
    std::string default_domain;
    std::unordered_map<std::string, std::string> index;  // lower name/alias -> canonical
  };
  template <typename Row>
  struct Table {
    std::unordered_map<store::Id, std::shared_ptr<const Row>> rows;
    std::unordered_map<std::string, store::Id> index;  // see the key functions in directory.cpp
  };

 private:
  friend class Directory;
  template <typename Row>
  static const Row* row(const Table<Row>& table, store::Id id);

  std::uint64_t version_ = 0;
  std::shared_ptr<const DomainTable> domains_;
  std::shared_ptr<const Table<store::SipAccount>> accounts_;
  std::shared_ptr<const Table<store::Customer>> customers_;
  std::shared_ptr<const Table<store::Provider>> providers_;
  std::shared_ptr<const Table<store::DialPlan>> dialplans_;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

class Directory {
 public:
  Directory();  // empty, version 0

  // The current version (never null). Keep it to keep what it returns.
  const SnapshotPtr& snapshot() const noexcept { return current_; }
  std::uint64_t version() const noexcept { return current_->version(); }

  // Several changes published as one version (a reload, an import). Changes
  // made through an Edit are invisible until commit(); an Edit dropped
  // without commit() changes nothing. At most one Edit at a time.
  class Edit {
   public:
    explicit Edit(Directory& directory);
    Edit(const Edit&) = delete;
    Edit& operator=(const Edit&) = delete;

    // Replaces every domain; `default_domain` (may be empty: the first
    // domain) is what the alias "local" means.
    void set_domains(std::vector<store::Domain> domains, std::string default_domain = {});
    void upsert_domain(store::Domain domain);  // by id
    void remove_domain(store::Id id);
    void set_accounts(std::vector<store::SipAccount> accounts);
    void upsert_account(store::SipAccount account);  // by id
    void remove_account(store::Id id);
    void set_customers(std::vector<store::Customer> customers);
    void upsert_customer(store::Customer customer);  // by id; password_hash/api_key are dropped
    void remove_customer(store::Id id);              // also its providers and dial plans
    void set_providers(std::vector<store::Provider> providers);
    void upsert_provider(store::Provider provider);  // by id
    void remove_provider(store::Id id);
    void set_dialplans(std::vector<store::DialPlan> plans);
    void upsert_dialplan(store::DialPlan plan);  // by id
    void remove_dialplan(store::Id id);

    // Publishes the changes as the next version (nothing changed: no new
    // version). The Edit may be used again afterwards.
    void commit();

   private:
    Snapshot::DomainTable& domains();
    Snapshot::Table<store::SipAccount>& accounts();
    Snapshot::Table<store::Customer>& customers();
    Snapshot::Table<store::Provider>& providers();
    Snapshot::Table<store::DialPlan>& dialplans();

    Directory& directory_;
    // Written tables: copies of the current ones, made on first write.
    std::shared_ptr<Snapshot::DomainTable> domains_;
    std::shared_ptr<Snapshot::Table<store::SipAccount>> accounts_;
    std::shared_ptr<Snapshot::Table<store::Customer>> customers_;
    std::shared_ptr<Snapshot::Table<store::Provider>> providers_;
    std::shared_ptr<Snapshot::Table<store::DialPlan>> dialplans_;
  };

  // One change, one version (as an Edit with one change and commit()).
  void set_domains(std::vector<store::Domain> domains, std::string default_domain = {});
  void upsert_domain(store::Domain domain);
  void remove_domain(store::Id id);
  void set_accounts(std::vector<store::SipAccount> accounts);
  void upsert_account(store::SipAccount account);
  void remove_account(store::Id id);
  void set_customers(std::vector<store::Customer> customers);
  void upsert_customer(store::Customer customer);
  void remove_customer(store::Id id);
  void set_providers(std::vector<store::Provider> providers);
  void upsert_provider(store::Provider provider);
  void remove_provider(store::Id id);
  void set_dialplans(std::vector<store::DialPlan> plans);
  void upsert_dialplan(store::DialPlan plan);
  void remove_dialplan(store::Id id);

  // Runs after every new version is published (on the thread that made the
  // change, inside that change: an observer should only note or post work,
  // not change the Directory). One observer; empty clears it.
  void set_on_publish(std::function<void()> observer) { on_publish_ = std::move(observer); }

  // Lookups in the current version (see Snapshot).
  std::optional<std::string_view> canonical_domain(std::string_view host) const {
    return current_->canonical_domain(host);
  }
  const std::vector<store::Domain>& domains() const noexcept { return current_->domains(); }
  std::string_view default_domain() const noexcept { return current_->default_domain(); }
  const store::SipAccount* find(std::string_view user, std::string_view host) const {
    return current_->find(user, host);
  }
  const store::SipAccount* find_with_fallback(std::string_view user, std::string_view host) const {
    return current_->find_with_fallback(user, host);
  }
  const store::SipAccount* get(store::Id id) const { return current_->get(id); }
  std::size_t account_count() const noexcept { return current_->account_count(); }
  template <typename Fn>
  void for_each_account(Fn&& fn) const {
    current_->for_each_account(static_cast<Fn&&>(fn));
  }
  const store::Customer* customer(store::Id id) const { return current_->customer(id); }
  const store::Customer* find_customer(std::string_view username) const {
    return current_->find_customer(username);
  }
  const store::Provider* find_provider(store::Id owner, std::string_view name) const {
    return current_->find_provider(owner, name);
  }
  std::vector<const store::Provider*> providers_of(store::Id owner) const {
    return current_->providers_of(owner);
  }
  const store::DialPlan* find_dialplan(store::Id owner, std::string_view name) const {
    return current_->find_dialplan(owner, name);
  }

 private:
  SnapshotPtr current_;
  std::function<void()> on_publish_;
};

}  // namespace sip::directory
