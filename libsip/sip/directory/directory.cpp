#include "sip/directory/directory.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace sip::directory {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

// The index keys: "lower user@lower canonical domain" for accounts, "lower
// username" for customers, "owner/lower name" for providers and dial plans.
std::string account_key(std::string_view user, std::string_view domain) {
  std::string k = lower(user);
  k.push_back('@');
  k += lower(domain);
  return k;
}
std::string owned_key(store::Id owner, std::string_view name) {
  std::string k = std::to_string(owner);
  k.push_back('/');
  k += lower(name);
  return k;
}
std::string key_of(const store::SipAccount& a) {
  return account_key(a.username, a.domain);
}
std::string key_of(const store::Customer& c) {
  return lower(c.username);
}
std::string key_of(const store::Provider& p) {
  return owned_key(p.owner_id, p.name);
}
std::string key_of(const store::DialPlan& d) {
  return owned_key(d.owner_id, d.name);
}

template <typename Row>
void upsert(Snapshot::Table<Row>& table, Row row) {
  auto old = table.rows.find(row.id);
  if (old != table.rows.end()) table.index.erase(key_of(*old->second));
  table.index[key_of(row)] = row.id;
  const store::Id id = row.id;
  table.rows[id] = std::make_shared<const Row>(std::move(row));
}

template <typename Row>
void remove(Snapshot::Table<Row>& table, store::Id id) {
  auto it = table.rows.find(id);
  if (it == table.rows.end()) return;
  table.index.erase(key_of(*it->second));
  table.rows.erase(it);
}

template <typename Row>
void replace(Snapshot::Table<Row>& table, std::vector<Row> rows) {
  table.rows.clear();
  table.index.clear();
  table.rows.reserve(rows.size());
  for (auto& r : rows) upsert(table, std::move(r));
}

void reindex(Snapshot::DomainTable& t) {
  t.index.clear();
  for (const auto& d : t.list) {
    std::string name = lower(d.name);
    t.index[name] = name;
    for (const auto& a : d.aliases) t.index.emplace(lower(a), name);
  }
  if (t.default_domain.empty() && !t.list.empty())
    t.default_domain = lower(t.list.front().name);
  if (!t.default_domain.empty() && t.index.count(t.default_domain) != 0)
    t.index.emplace("local", t.default_domain);
}

}  // namespace

// ---- Snapshot ---------------------------------------------------------------

template <typename Row>
const Row* Snapshot::row(const Table<Row>& table, store::Id id) {
  auto it = table.rows.find(id);
  return it == table.rows.end() ? nullptr : it->second.get();
}

std::optional<std::string_view> Snapshot::canonical_domain(std::string_view host) const {
  // Host names are short; a lower-cased copy keeps the lookup simple.
  auto it = domains_->index.find(lower(host));
  if (it == domains_->index.end()) return std::nullopt;
  return std::string_view(it->second);
}

const store::SipAccount* Snapshot::find(std::string_view user, std::string_view host) const {
  auto domain = canonical_domain(host);
  if (!domain) return nullptr;
  auto it = accounts_->index.find(account_key(user, *domain));
  if (it == accounts_->index.end()) return nullptr;
  return get(it->second);
}

const store::SipAccount* Snapshot::find_with_fallback(std::string_view user,
                                                      std::string_view host) const {
  if (const auto* a = find(user, host)) return a;
  auto dot = user.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= user.size()) return nullptr;
  return find(user.substr(dot + 1), host);
}

const store::SipAccount* Snapshot::get(store::Id id) const {
  return row(*accounts_, id);
}

const store::Customer* Snapshot::customer(store::Id id) const {
  return row(*customers_, id);
}

const store::Customer* Snapshot::find_customer(std::string_view username) const {
  auto it = customers_->index.find(lower(username));
  return it == customers_->index.end() ? nullptr : customer(it->second);
}

const store::Provider* Snapshot::find_provider(store::Id owner, std::string_view name) const {
  auto it = providers_->index.find(owned_key(owner, name));
  return it == providers_->index.end() ? nullptr : row(*providers_, it->second);
}

std::vector<const store::Provider*> Snapshot::providers_of(store::Id owner) const {
  std::vector<const store::Provider*> out;
  for (const auto& [id, p] : providers_->rows)
    if (p->owner_id == owner) out.push_back(p.get());
  std::sort(out.begin(), out.end(), [](const store::Provider* a, const store::Provider* b) {
    return lower(a->name) < lower(b->name);
  });
  return out;
}

const store::DialPlan* Snapshot::find_dialplan(store::Id owner, std::string_view name) const {
  auto it = dialplans_->index.find(owned_key(owner, name));
  return it == dialplans_->index.end() ? nullptr : row(*dialplans_, it->second);
}

// ---- Directory ----------------------------------------------------------------

Directory::Directory() {
  auto s = std::make_shared<Snapshot>();
  s->domains_ = std::make_shared<const Snapshot::DomainTable>();
  s->accounts_ = std::make_shared<const Snapshot::Table<store::SipAccount>>();
  s->customers_ = std::make_shared<const Snapshot::Table<store::Customer>>();
  s->providers_ = std::make_shared<const Snapshot::Table<store::Provider>>();
  s->dialplans_ = std::make_shared<const Snapshot::Table<store::DialPlan>>();
  current_ = std::move(s);
}

// ---- Edit: copy a table on its first write, publish on commit

Directory::Edit::Edit(Directory& directory) : directory_(directory) {}

Snapshot::DomainTable& Directory::Edit::domains() {
  if (!domains_) domains_ = std::make_shared<Snapshot::DomainTable>(*directory_.current_->domains_);
  return *domains_;
}
Snapshot::Table<store::SipAccount>& Directory::Edit::accounts() {
  if (!accounts_)
    accounts_ = std::make_shared<Snapshot::Table<store::SipAccount>>(
        *directory_.current_->accounts_);
  return *accounts_;
}
Snapshot::Table<store::Customer>& Directory::Edit::customers() {
  if (!customers_)
    customers_ =
        std::make_shared<Snapshot::Table<store::Customer>>(*directory_.current_->customers_);
  return *customers_;
}
Snapshot::Table<store::Provider>& Directory::Edit::providers() {
  if (!providers_)
    providers_ =
        std::make_shared<Snapshot::Table<store::Provider>>(*directory_.current_->providers_);
  return *providers_;
}
Snapshot::Table<store::DialPlan>& Directory::Edit::dialplans() {
  if (!dialplans_)
    dialplans_ =
        std::make_shared<Snapshot::Table<store::DialPlan>>(*directory_.current_->dialplans_);
  return *dialplans_;
}

void Directory::Edit::set_domains(std::vector<store::Domain> list, std::string default_domain) {
  auto& t = domains();
  t.list = std::move(list);
  t.default_domain = lower(default_domain);
  reindex(t);
}

void Directory::Edit::upsert_domain(store::Domain domain) {
  auto& t = domains();
  auto it = std::find_if(t.list.begin(), t.list.end(),
                         [&](const store::Domain& d) { return d.id == domain.id; });
  if (it == t.list.end()) {
    t.list.push_back(std::move(domain));
  } else {
    *it = std::move(domain);
  }
  reindex(t);
}

void Directory::Edit::remove_domain(store::Id id) {
  auto& t = domains();
  std::erase_if(t.list, [&](const store::Domain& d) { return d.id == id; });
  reindex(t);
}

void Directory::Edit::set_accounts(std::vector<store::SipAccount> rows) {
  replace(accounts(), std::move(rows));
}
void Directory::Edit::upsert_account(store::SipAccount account) {
  upsert(accounts(), std::move(account));
}
void Directory::Edit::remove_account(store::Id id) {
  remove(accounts(), id);
}

void Directory::Edit::set_customers(std::vector<store::Customer> rows) {
  for (auto& c : rows) {
    c.password_hash.clear();
    c.api_key.clear();
  }
  replace(customers(), std::move(rows));
}
void Directory::Edit::upsert_customer(store::Customer customer) {
  customer.password_hash.clear();
  customer.api_key.clear();
  upsert(customers(), std::move(customer));
}
void Directory::Edit::remove_customer(store::Id id) {
  remove(customers(), id);
  // The store removes the customer's providers and dial plans with it.
  auto drop_owned = [id](auto& table) {
    std::vector<store::Id> gone;
    for (const auto& [rid, r] : table.rows)
      if (r->owner_id == id) gone.push_back(rid);
    for (store::Id rid : gone) remove(table, rid);
  };
  drop_owned(providers());
  drop_owned(dialplans());
}

void Directory::Edit::set_providers(std::vector<store::Provider> rows) {
  replace(providers(), std::move(rows));
}
void Directory::Edit::upsert_provider(store::Provider provider) {
  upsert(providers(), std::move(provider));
}
void Directory::Edit::remove_provider(store::Id id) {
  remove(providers(), id);
}

void Directory::Edit::set_dialplans(std::vector<store::DialPlan> rows) {
  replace(dialplans(), std::move(rows));
}
void Directory::Edit::upsert_dialplan(store::DialPlan plan) {
  upsert(dialplans(), std::move(plan));
}
void Directory::Edit::remove_dialplan(store::Id id) {
  remove(dialplans(), id);
}

void Directory::Edit::commit() {
  if (!domains_ && !accounts_ && !customers_ && !providers_ && !dialplans_) return;
  const Snapshot& cur = *directory_.current_;
  auto next = std::make_shared<Snapshot>(cur);  // shares every table
  next->version_ = cur.version_ + 1;
  if (domains_) next->domains_ = std::move(domains_);
  if (accounts_) next->accounts_ = std::move(accounts_);
  if (customers_) next->customers_ = std::move(customers_);
  if (providers_) next->providers_ = std::move(providers_);
  if (dialplans_) next->dialplans_ = std::move(dialplans_);
  directory_.current_ = std::move(next);
  if (directory_.on_publish_) directory_.on_publish_();
}

// ---- one change, one version

#define SIPSMITH_DIRECTORY_ONE_CHANGE(name, Arg)  \
  void Directory::name(Arg value) {               \
    Edit e(*this);                                \
    e.name(std::move(value));                     \
    e.commit();                                   \
  }
SIPSMITH_DIRECTORY_ONE_CHANGE(upsert_domain, store::Domain)
SIPSMITH_DIRECTORY_ONE_CHANGE(remove_domain, store::Id)
SIPSMITH_DIRECTORY_ONE_CHANGE(set_accounts, std::vector<store::SipAccount>)
SIPSMITH_DIRECTORY_ONE_CHANGE(upsert_account, store::SipAccount)
SIPSMITH_DIRECTORY_ONE_CHANGE(remove_account, store::Id)
SIPSMITH_DIRECTORY_ONE_CHANGE(set_customers, std::vector<store::Customer>)
SIPSMITH_DIRECTORY_ONE_CHANGE(upsert_customer, store::Customer)
SIPSMITH_DIRECTORY_ONE_CHANGE(remove_customer, store::Id)
SIPSMITH_DIRECTORY_ONE_CHANGE(set_providers, std::vector<store::Provider>)
SIPSMITH_DIRECTORY_ONE_CHANGE(upsert_provider, store::Provider)
SIPSMITH_DIRECTORY_ONE_CHANGE(remove_provider, store::Id)
SIPSMITH_DIRECTORY_ONE_CHANGE(set_dialplans, std::vector<store::DialPlan>)
SIPSMITH_DIRECTORY_ONE_CHANGE(upsert_dialplan, store::DialPlan)
SIPSMITH_DIRECTORY_ONE_CHANGE(remove_dialplan, store::Id)
#undef SIPSMITH_DIRECTORY_ONE_CHANGE

void Directory::set_domains(std::vector<store::Domain> domains, std::string default_domain) {
  Edit e(*this);
  e.set_domains(std::move(domains), std::move(default_domain));
  e.commit();
}

}  // namespace sip::directory
