#include "env_world.hpp"

#include <string>
#include <utility>

#include "sip/base/ci.hpp"

namespace dialplan_test {
namespace {

using sip::store::Id;

// Customer ids are made up per environment, in order of first mention.
Id owner_id(std::vector<sip::store::Customer>& customers, const std::string& owner) {
  for (const auto& c : customers)
    if (sip::ci_equal(c.username, owner)) return c.id;
  sip::store::Customer c;
  c.id = static_cast<Id>(customers.size() + 1);
  c.username = owner;
  customers.push_back(std::move(c));
  return customers.back().id;
}

sip::store::Binding stored_binding(const EnvBinding& b, Id account, std::int64_t now) {
  sip::store::Binding s;
  s.account_id = account;
  s.contact_uri = b.contact;
  s.mangled_uri = b.mangled;
  s.user_agent = b.user_agent;
  s.transport = b.transport;
  s.remote = b.remote;
  s.expires = now + b.expires_in;
  s.updated = now;
  return s;
}

}  // namespace

std::unique_ptr<EnvWorld> make_env_world(const Environment& env) {
  auto world = std::make_unique<EnvWorld>();
  world->now = env.start_time;
  std::vector<sip::store::Domain> domains;
  for (const auto& d : env.domains) {
    sip::store::Domain s;
    s.id = static_cast<Id>(domains.size() + 1);
    s.name = d.name;
    s.aliases = d.aliases;
    domains.push_back(std::move(s));
  }
  // The first domain is what "local" means.
  world->directory.set_domains(std::move(domains), env.domains.empty() ? "" : env.domains[0].name);

  std::vector<sip::store::Customer> customers;
  world->owner_id = owner_id(customers, env.owner);
  std::vector<sip::store::SipAccount> accounts;
  for (const auto& a : env.accounts) {
    sip::store::SipAccount s;
    s.id = static_cast<Id>(accounts.size() + 1);
    s.owner_id = owner_id(customers, a.view.owner);
    s.username = a.view.username;
    const auto domain = world->directory.canonical_domain(a.view.domain);
    if (!domain)
      throw sip::control::InputError("account " + a.view.username + "@" + a.view.domain +
                                     ": its domain is not one of the environment's domains\n");
    s.domain = std::string(*domain);
    s.out_dialplan = a.view.out_dialplan;
    s.in_dialplan = a.view.in_dialplan;
    s.incoming_only = a.view.incoming_only;
    s.disabled = a.view.disabled;
    s.network_id = a.network_id;
    s.description = a.view.description;
    if (!a.bindings.empty()) world->bindings[s.id] = a.bindings;
    accounts.push_back(std::move(s));
  }
  std::vector<sip::store::Provider> providers;
  for (const auto& p : env.providers) {
    sip::store::Provider s;
    s.id = static_cast<Id>(providers.size() + 1);
    s.owner_id = world->owner_id;
    s.name = p.name;
    s.type = p.type;
    s.server = p.server;
    s.username = p.username;
    s.auth_username = p.auth_username;
    s.outbound_proxy = p.outbound_proxy;
    s.from_template = p.from_template;
    s.custom_headers = p.custom_headers;
    s.register_enabled = p.register_enabled;
    s.read_only = p.read_only;
    providers.push_back(std::move(s));
  }
  std::vector<sip::store::DialPlan> plans;
  for (const auto& p : env.dialplans) {
    sip::store::DialPlan s;
    s.id = static_cast<Id>(plans.size() + 1);
    s.owner_id = owner_id(customers, p.owner);
    s.name = p.name;
    s.type = p.type;
    s.source = p.source;
    plans.push_back(std::move(s));
  }
  sip::directory::Directory::Edit edit(world->directory);
  edit.set_dialplans(std::move(plans));
  edit.set_customers(std::move(customers));
  edit.set_accounts(std::move(accounts));
  edit.set_providers(std::move(providers));
  edit.commit();

  EnvWorld* w = world.get();
  auto bindings = [w](Id account) {
    std::vector<sip::store::Binding> out;
    if (const auto it = w->bindings.find(account); it != w->bindings.end())
      for (const auto& b : it->second) out.push_back(stored_binding(b, account, w->now));
    return out;
  };
  // Calls to a binding go to its mangled contact (the contact by default).
  auto targets = [w](Id account) {
    std::vector<sip::routing::BindingTarget> out;
    if (const auto it = w->bindings.find(account); it != w->bindings.end())
      for (const auto& b : it->second) {
        sip::routing::BindingTarget t;
        t.contact_uri = b.mangled;
        out.push_back(std::move(t));
      }
    return out;
  };
  world->lookups = std::make_unique<sip::dialer::DirectoryHost>(world->directory.snapshot(),
                                                                bindings, targets);
  world->lookups->on_now([w](std::int64_t now) { w->now = now; });
  return world;
}

}  // namespace dialplan_test
