#include "env_host.hpp"

#include <algorithm>

#include "sip/base/ci.hpp"

namespace dialplan_test {

using sip::ci_equal;

EnvHost::EnvHost(const Environment& env, std::int64_t now) : env_(env), now_(now) {
  for (const auto& a : env_.accounts) {
    sip::store::SipAccount s;
    s.id = static_cast<sip::store::Id>(accounts_.size() + 1);
    s.owner_id = owner_id(a.view.owner);
    s.username = a.view.username;
    s.domain = a.view.domain;
    s.out_dialplan = a.view.out_dialplan;
    s.in_dialplan = a.view.in_dialplan;
    s.incoming_only = a.view.incoming_only;
    s.disabled = a.view.disabled;
    s.network_id = a.network_id;
    s.description = a.view.description;
    accounts_.push_back(std::move(s));
  }
  for (const auto& p : env_.providers) {
    sip::store::Provider s;
    s.id = static_cast<sip::store::Id>(providers_.size() + 1);
    s.owner_id = owner_id(env_.owner);
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
    providers_.push_back(std::move(s));
  }
}

sip::store::Id EnvHost::owner_id(std::string_view owner) {
  for (std::size_t i = 0; i < owners_.size(); ++i)
    if (ci_equal(owners_[i], owner)) return static_cast<sip::store::Id>(i + 1);
  owners_.emplace_back(owner);
  return static_cast<sip::store::Id>(owners_.size());
}

const EnvAccount* EnvHost::find_env_account(std::string_view user, std::string_view domain) {
  auto canonical = canonical_domain(domain);
  if (!canonical) return nullptr;
  for (const auto& a : env_.accounts)
    if (a.view.username == user && ci_equal(a.view.domain, *canonical)) return &a;
  return nullptr;
}

std::optional<sip::dialplan::AccountView> EnvHost::account_view(std::string_view user,
                                                                std::string_view domain) {
  const EnvAccount* a = find_env_account(user, domain);
  if (a == nullptr) return std::nullopt;
  return a->view;
}

const sip::store::SipAccount* EnvHost::find_account(std::string_view user,
                                                    std::string_view domain) {
  const EnvAccount* a = find_env_account(user, domain);
  // The dotted fallback: "provider.joe" is account "joe".
  if (a == nullptr && user.find('.') != std::string_view::npos)
    a = find_env_account(user.substr(user.rfind('.') + 1), domain);
  if (a == nullptr) return nullptr;
  return &accounts_[static_cast<std::size_t>(a - env_.accounts.data())];
}

std::vector<sip::routing::BindingTarget> EnvHost::bindings(const sip::store::SipAccount& account) {
  std::vector<sip::routing::BindingTarget> out;
  const EnvAccount& a = env_.accounts[static_cast<std::size_t>(account.id - 1)];
  for (const auto& b : a.bindings) {
    sip::routing::BindingTarget t;
    t.contact_uri = b.mangled;
    out.push_back(std::move(t));
  }
  return out;
}

const sip::store::Provider* EnvHost::find_provider(sip::store::Id owner, std::string_view name) {
  for (const auto& p : providers_)
    if (p.owner_id == owner && ci_equal(p.name, name)) return &p;
  return nullptr;
}

bool EnvHost::is_available(std::string_view user, std::string_view domain) {
  const EnvAccount* a = find_env_account(user, domain);
  return a != nullptr && !a->bindings.empty();
}

bool EnvHost::is_mine(std::string_view owner, std::string_view user, std::string_view domain) {
  const EnvAccount* a = find_env_account(user, domain);
  return a != nullptr && ci_equal(a->view.owner, owner);
}

bool EnvHost::account_exists(std::string_view user, std::string_view domain) {
  return find_env_account(user, domain) != nullptr;
}

std::optional<std::vector<sip::dialplan::BindingView>> EnvHost::bindings(std::string_view owner,
                                                                         std::string_view user,
                                                                         std::string_view domain) {
  const EnvAccount* a = find_env_account(user, domain);
  if (a == nullptr || !ci_equal(a->view.owner, owner)) return std::nullopt;
  std::vector<sip::dialplan::BindingView> out;
  for (const auto& b : a->bindings) {
    sip::dialplan::BindingView v;
    v.account = a->view.username + "@" + a->view.domain;
    v.contact_uri = b.contact;
    v.mangled_uri = b.mangled;
    v.user_agent = b.user_agent;
    v.remote = b.remote;
    v.transport = b.transport;
    v.expires = now_ + b.expires_in;
    v.updated = now_;
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<std::string> EnvHost::canonical_domain(std::string_view host) {
  if (ci_equal(host, "local")) return env_.domains.front().name;
  for (const auto& d : env_.domains) {
    if (ci_equal(d.name, host)) return d.name;
    for (const auto& alias : d.aliases)
      if (ci_equal(alias, host)) return d.name;
  }
  return std::nullopt;
}

std::vector<sip::dialplan::AccountView> EnvHost::accounts(std::string_view owner) {
  std::vector<sip::dialplan::AccountView> out;
  for (const auto& a : env_.accounts)
    if (ci_equal(a.view.owner, owner)) out.push_back(a.view);
  std::sort(out.begin(), out.end(),
            [](const auto& x, const auto& y) { return x.username < y.username; });
  return out;
}

}  // namespace dialplan_test
