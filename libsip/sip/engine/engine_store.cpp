// The engine's side of the store beyond the write queue: the dial plans'
// key/value data in memory (KvCache: start-up load, the dial plan actions in
// StoreKv, the write-through of the control socket and HTTP API in
// cache_kv_writes) and, on a shared PostgreSQL, other daemons' changes
// (on_store_changes: a Directory snapshot and key/value data read on the
// listener's thread, applied on the core thread).
#include <string>
#include <utility>
#include <vector>

#include "sip/base/log.hpp"
#include "sip/engine/engine_impl.hpp"

namespace sip::engine {
namespace {

// The store's own limits (store::KvRepository), checked before the write
// reaches the cache so a refused write never shows.
constexpr std::size_t kMaxKey = 256;
constexpr std::size_t kMaxValue = 10000;

const char* key_error(const std::string& key) {
  return key.empty() || key.size() > kMaxKey ? "key must be 1 to 256 bytes" : nullptr;
}

dialplan::KvResult failed(std::string error) {
  dialplan::KvResult out;
  out.ok = false;
  out.error = std::move(error);
  return out;
}

// Forwards to the real repository; mirrors successful writes into the cache.
class CachedKv final : public store::KvRepository {
 public:
  CachedKv(store::KvRepository& inner, KvCache& cache) : inner_(inner), cache_(cache) {}
  Result<std::optional<std::string>> get(store::Id owner, std::string_view key) override {
    return inner_.get(owner, key);
  }
  Result<void> put(store::Id owner, std::string_view key, std::string_view value,
                   std::int64_t updated) override {
    auto r = inner_.put(owner, key, value, updated);
    if (r) cache_.owners[owner][std::string(key)] = std::string(value);
    return r;
  }
  Result<void> remove(store::Id owner, std::string_view key) override {
    auto r = inner_.remove(owner, key);
    if (r) {
      if (auto it = cache_.owners.find(owner); it != cache_.owners.end()) {
        it->second.erase(std::string(key));
      }
    }
    return r;
  }
  Result<std::vector<std::string>> keys(store::Id owner) override { return inner_.keys(owner); }
  Result<void> scan(store::Id owner,
                    const std::function<bool(store::Id, const std::string&, const std::string&)>&
                        visit) override {
    return inner_.scan(owner, visit);
  }

 private:
  store::KvRepository& inner_;
  KvCache& cache_;
};

// Forwards; a removed customer's key/value data leaves the cache (its rows
// go with it, and SQLite may give its id to the next customer).
class CachedCustomers final : public store::CustomerRepository {
 public:
  CachedCustomers(store::CustomerRepository& inner, KvCache& cache)
      : inner_(inner), cache_(cache) {}
  Result<std::vector<store::Customer>> list() override { return inner_.list(); }
  Result<store::Customer> get(store::Id id) override { return inner_.get(id); }
  Result<store::Customer> find(std::string_view username) override { return inner_.find(username); }
  Result<store::Customer> find_by_api_key(std::string_view api_key) override {
    return inner_.find_by_api_key(api_key);
  }
  Result<store::Id> add(const store::Customer& customer) override { return inner_.add(customer); }
  Result<void> update(const store::Customer& customer) override { return inner_.update(customer); }
  Result<void> remove(store::Id id) override {
    auto r = inner_.remove(id);
    if (r) cache_.owners.erase(id);
    return r;
  }

 private:
  store::CustomerRepository& inner_;
  KvCache& cache_;
};

class KvCachingStore final : public store::Store {
 public:
  KvCachingStore(std::unique_ptr<store::Store> inner, std::shared_ptr<KvCache> cache)
      : inner_(std::move(inner)),
        cache_(std::move(cache)),
        kv_(inner_->kv(), *cache_),
        customers_(inner_->customers(), *cache_) {}
  store::CustomerRepository& customers() override { return customers_; }
  store::DomainRepository& domains() override { return inner_->domains(); }
  store::AccountRepository& accounts() override { return inner_->accounts(); }
  store::BindingRepository& bindings() override { return inner_->bindings(); }
  store::ProviderRepository& providers() override { return inner_->providers(); }
  store::DialPlanRepository& dialplans() override { return inner_->dialplans(); }
  store::CdrRepository& cdrs() override { return inner_->cdrs(); }
  store::KvRepository& kv() override { return kv_; }
  store::ProviderBindingRepository& provider_bindings() override {
    return inner_->provider_bindings();
  }
  Result<void> transaction(const std::function<Result<void>()>& body) override {
    return inner_->transaction(body);
  }
  int schema_version() const override { return inner_->schema_version(); }

 private:
  std::unique_ptr<store::Store> inner_;
  std::shared_ptr<KvCache> cache_;
  CachedKv kv_;
  CachedCustomers customers_;
};

}  // namespace

Result<void> load_kv_cache(store::Store& store, KvCache& cache) {
  cache.owners.clear();
  return store.kv().scan(
      0, [&cache](store::Id owner, const std::string& key, const std::string& value) {
        cache.owners[owner].emplace(key, value);
        return true;
      });
}

std::unique_ptr<store::Store> cache_kv_writes(std::unique_ptr<store::Store> inner,
                                              std::shared_ptr<KvCache> cache) {
  return std::make_unique<KvCachingStore>(std::move(inner), std::move(cache));
}

dialplan::KvResult StoreKv::read(store::Id owner, const dialplan::Action& action) {
  dialplan::KvResult out;
  const auto it = cache_->owners.find(owner);
  if (const auto* r = std::get_if<dialplan::KvRead>(&action)) {
    if (const char* e = key_error(r->key)) return failed(e);
    if (it != cache_->owners.end()) {
      if (auto v = it->second.find(r->key); v != it->second.end()) out.value = v->second;
    }
  } else if (it != cache_->owners.end()) {
    out.keys.reserve(it->second.size());
    for (const auto& [key, value] : it->second) out.keys.push_back(key);  // byte order
  }
  return out;
}

void StoreKv::write(store::Id owner, const dialplan::Action& action,
                    std::function<void(dialplan::KvResult)> done) {
  const auto* w = std::get_if<dialplan::KvWrite>(&action);
  const auto* d = std::get_if<dialplan::KvDelete>(&action);
  if (w == nullptr && d == nullptr) return done(failed("not a key/value write"));
  const std::string key = w != nullptr ? w->key : d->key;
  if (const char* e = key_error(key)) return done(failed(e));
  auto& values = cache_->owners[owner];
  const auto found = values.find(key);
  std::optional<std::string> previous;
  if (found != values.end()) previous = found->second;
  store::WriteQueue::Job job;
  if (w != nullptr) {
    if (w->value.size() > kMaxValue) return done(failed("value over 10000 bytes"));
    if (!previous && values.size() >= store::KvRepository::kMaxKvKeys) {
      return done(failed("too many keys for this customer"));
    }
    job = [owner, key, value = w->value, now = wall_.unix_seconds()](store::Store& s) {
      return s.kv().put(owner, key, value, now);
    };
    values[key] = w->value;  // later reads of this call see it at once
  } else {
    job = [owner, key](store::Store& s) { return s.kv().remove(owner, key); };
    values.erase(key);
  }
  std::optional<std::string> written;
  if (w != nullptr) written = w->value;
  // Undoes this write in the cache when the store refused it, unless a
  // later write of the key has replaced it meanwhile.
  auto undo = [cache = cache_, owner, key, previous, written] {
    auto& now = cache->owners[owner];
    const auto at = now.find(key);
    const bool still_ours = written ? (at != now.end() && at->second == *written) : at == now.end();
    if (!still_ours) return;
    if (previous) {
      now[key] = *previous;
    } else {
      now.erase(key);
    }
  };
  ++cache_->pending[owner];
  auto shared = std::make_shared<std::function<void(dialplan::KvResult)>>(std::move(done));
  auto r =
      queue_.submit(std::move(job), [cache = cache_, owner, undo, shared](Result<void> result) {
        if (--cache->pending[owner] <= 0) cache->pending.erase(owner);
        dialplan::KvResult out;
        if (!result) {
          undo();
          out.ok = false;
          out.error = result.error().detail;
        }
        (*shared)(std::move(out));
      });
  if (!r) {
    if (--cache_->pending[owner] <= 0) cache_->pending.erase(owner);
    undo();
    (*shared)(failed("store writer busy"));
  }
}

void Engine::Impl::reload_kv(store::Store& s, const store::StoreChanges& what) {
  auto fresh =
      std::make_shared<std::unordered_map<store::Id, std::map<std::string, std::string>>>();
  auto collect = [&fresh](store::Id owner, const std::string& key, const std::string& value) {
    (*fresh)[owner].emplace(key, value);
    return true;
  };
  if (what.everything) {
    if (auto r = s.kv().scan(0, collect); !r) {
      log(LogLevel::Warn, "engine",
          "key/value change not applied: " + std::string(r.error().detail));
      return;
    }
  } else {
    for (const store::Id owner : what.kv_owners) {
      (*fresh)[owner];  // an owner whose last key went
      if (auto r = s.kv().scan(owner, collect); !r) {
        log(LogLevel::Warn, "engine",
            "key/value change not applied: " + std::string(r.error().detail));
        return;
      }
    }
  }
  loop.post([this, fresh, all = what.everything, owners = what.kv_owners] {
    if (stopping) return;
    KvCache& cache = *kv_cache;
    // Owners with this daemon's writes in flight keep their cache: the
    // database has not seen those yet (their commit notifies again).
    auto apply = [&](store::Id owner, std::map<std::string, std::string> values) {
      if (cache.pending.count(owner) != 0) return;
      if (values.empty()) {
        cache.owners.erase(owner);
      } else {
        cache.owners[owner] = std::move(values);
      }
    };
    if (all) {
      for (auto it = cache.owners.begin(); it != cache.owners.end();) {
        const store::Id owner = it->first;
        ++it;
        if (fresh->count(owner) == 0) apply(owner, {});
      }
      for (auto& [owner, values] : *fresh) apply(owner, std::move(values));
    } else {
      for (const store::Id owner : owners) apply(owner, std::move((*fresh)[owner]));
    }
  });
}

void Engine::Impl::on_store_changes(store::Store& s, const store::StoreChanges& what) {
  if (what.everything || !what.kv_owners.empty()) reload_kv(s, what);
  if (!what.provisioning && !what.everything) return;
  struct Snapshot {
    std::vector<store::Domain> domains;
    std::vector<store::SipAccount> accounts;
    std::vector<store::Customer> customers;
    std::vector<store::Provider> providers;
    std::vector<store::DialPlan> plans;
  };
  auto snap = std::make_shared<Snapshot>();
  auto r = [&]() -> Result<void> {
    auto d = s.domains().list();
    if (!d) return d.error();
    auto a = s.accounts().list();
    if (!a) return a.error();
    auto c = s.customers().list();
    if (!c) return c.error();
    auto p = s.providers().list();
    if (!p) return p.error();
    auto pl = s.dialplans().list();
    if (!pl) return pl.error();
    snap->domains = std::move(*d);
    snap->accounts = std::move(*a);
    snap->customers = std::move(*c);
    snap->providers = std::move(*p);
    snap->plans = std::move(*pl);
    return {};
  }();
  if (!r) {
    log(LogLevel::Warn, "engine",
        "provisioning change not applied: " + std::string(r.error().detail));
    return;
  }
  loop.post([this, snap] {
    if (stopping) return;
    directory::Directory::Edit edit(directory);  // one new version
    edit.set_domains(std::move(snap->domains), config.default_domain);
    edit.set_accounts(std::move(snap->accounts));
    edit.set_customers(std::move(snap->customers));
    edit.set_providers(std::move(snap->providers));
    edit.set_dialplans(std::move(snap->plans));
    edit.commit();
    log(LogLevel::Debug, "engine", "provisioning reloaded after a change in the database");
  });
}

}  // namespace sip::engine
