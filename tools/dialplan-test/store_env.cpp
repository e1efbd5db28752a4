#include "store_env.hpp"

#include <algorithm>
#include <utility>

#include "inputs.hpp"
#include "sip/base/ci.hpp"
#include "sip/directory/load.hpp"
#include "sip/store/pg_store.hpp"
#include "sip/store/sqlite_store.hpp"

namespace dialplan_test {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw InputError(path + ": " + message + "\n");
}

template <class T>
T need(sip::Result<T> r, const std::string& path, const std::string& what) {
  if (!r) fail(path, what + ": " + std::string(r.error().detail));
  return std::move(r).value();
}

}  // namespace

std::unique_ptr<StoreEnvironment> load_store_environment(const std::string& path,
                                                         const std::string& owner,
                                                         const std::string& plan,
                                                         const std::string& default_domain,
                                                         std::int64_t now) {
  // A PostgreSQL URL or conninfo: the daemon's database, read-only.
  auto opened = [&path] {
    if (sip::store::is_postgres_url(path)) {
      sip::store::PgOptions pg;
      pg.url = path;
      pg.read_only = true;
      return sip::store::open_postgres(pg);
    }
    sip::store::SqliteOptions options;
    options.path = path;
    options.read_only = true;
    return sip::store::open_sqlite(options);
  }();
  auto store = need(std::move(opened), sip::store::redact_postgres_url(path),
                    "cannot open the store");
  auto env = std::make_unique<StoreEnvironment>();
  std::vector<sip::store::Binding> bindings;
  // One read snapshot: a daemon writing meanwhile is seen before or after.
  auto read = store->transaction([&]() -> sip::Result<void> {
    auto customer = store->customers().find(owner);
    if (!customer) return customer.error();
    env->owner = std::move(*customer);
    auto stored = store->dialplans().find(env->owner.id, plan);
    if (!stored) return stored.error();
    env->plan = std::move(*stored);
    auto domains = store->domains().list();
    if (!domains) return domains.error();
    std::string local = default_domain;
    if (local.empty() && !domains->empty())
      local = std::min_element(domains->begin(), domains->end(), [](const auto& a, const auto& b) {
                return a.id < b.id;
              })->name;
    if (auto r = sip::directory::load_directory(*store, env->directory, local); !r) return r;
    auto rows = store->bindings().list();
    if (!rows) return rows.error();
    bindings = std::move(*rows);
    return {};
  });
  if (!read) {
    const auto& e = read.error();
    if (e.code == sip::Errc::not_found) {
      if (env->owner.id == 0) fail(path, "no customer '" + owner + "'");
      fail(path, "customer '" + env->owner.username + "' has no dial plan '" + plan + "'");
    }
    fail(path, "cannot read the store: " + std::string(e.detail));
  }
  if (!default_domain.empty() && !env->directory.canonical_domain(default_domain))
    fail(path, "--default-domain " + default_domain + " is not a served domain");
  for (auto& b : bindings)
    if (b.expires > now) env->bindings[b.account_id].push_back(std::move(b));
  StoreEnvironment* e = env.get();
  env->lookups =
      std::make_unique<sip::dialer::DirectoryHost>(env->directory.snapshot(), [e](sip::store::Id id) {
        const auto it = e->bindings.find(id);
        return it == e->bindings.end() ? std::vector<sip::store::Binding>{} : it->second;
      });
  return env;
}

}  // namespace dialplan_test
