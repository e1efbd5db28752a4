// CallLookups: what dial plans and dial string resolution look up
// (dialplan::Host, routing::RouteSource): the Directory and the Registrar, in
// memory.
#include <algorithm>

#include "sip/b2bua/call_impl.hpp"
#include "sip/base/ci.hpp"
#include "sip/registrar/registrar.hpp"

namespace sip::b2bua {

std::optional<std::string> CallLookups::canonical_domain(std::string_view host) {
  if (auto d = svc_.directory->canonical_domain(host)) return std::string(*d);
  return std::nullopt;
}

const store::SipAccount* CallLookups::find_account(std::string_view user, std::string_view domain) {
  return svc_.directory->find_with_fallback(user, domain);
}

std::vector<routing::BindingTarget> CallLookups::bindings(const store::SipAccount& account) {
  std::vector<routing::BindingTarget> out;
  for (auto& t : svc_.registrar->call_targets(account.id)) {
    routing::BindingTarget b;
    b.contact_uri = t.binding.contact_uri;
    b.destination = t.destination;
    b.local = t.binding.local;
    out.push_back(std::move(b));
  }
  return out;
}

const store::Provider* CallLookups::find_provider(store::Id owner, std::string_view name) {
  return svc_.directory->find_provider(owner, name);
}

bool CallLookups::is_available(std::string_view user, std::string_view domain) {
  const store::SipAccount* a = svc_.directory->find(user, domain);
  return a != nullptr && !svc_.registrar->bindings(a->id).empty();
}

bool CallLookups::is_mine(std::string_view owner, std::string_view user, std::string_view domain) {
  const store::SipAccount* a = svc_.directory->find(user, domain);
  if (a == nullptr) return false;
  const store::Customer* c = svc_.directory->customer(a->owner_id);
  return c != nullptr && ci_equal(c->username, owner);
}

bool CallLookups::account_exists(std::string_view user, std::string_view domain) {
  return svc_.directory->find(user, domain) != nullptr;
}

std::optional<std::vector<dialplan::BindingView>> CallLookups::bindings(std::string_view owner,
                                                                        std::string_view user,
                                                                        std::string_view domain) {
  if (!is_mine(owner, user, domain)) return std::nullopt;
  const store::SipAccount* a = svc_.directory->find(user, domain);
  std::vector<dialplan::BindingView> out;
  for (const auto& b : svc_.registrar->bindings(a->id)) {
    dialplan::BindingView v;
    v.account = a->username + "@" + a->domain;
    v.contact_uri = b.contact_uri;
    v.mangled_uri = b.mangled_uri;
    v.user_agent = b.user_agent;
    v.remote = b.remote;
    v.transport = b.transport;
    v.expires = b.expires;
    v.updated = b.updated;
    out.push_back(std::move(v));
  }
  return out;
}

std::size_t CallLookups::current_call_count(std::string_view owner) {
  const store::Customer* c = svc_.directory->find_customer(owner);
  if (c == nullptr) return 0;
  const auto it = calls_per_owner_.find(c->id);
  return it == calls_per_owner_.end() ? 0 : it->second;
}

std::vector<dialplan::AccountView> CallLookups::accounts(std::string_view owner) {
  std::vector<dialplan::AccountView> out;
  const store::Customer* c = svc_.directory->find_customer(owner);
  if (c == nullptr) return out;
  svc_.directory->for_each_account([&](const store::SipAccount& a) {
    if (a.owner_id != c->id) return;
    dialplan::AccountView v;
    v.username = a.username;
    v.domain = a.domain;
    v.owner = c->username;
    v.out_dialplan = a.out_dialplan;
    v.in_dialplan = a.in_dialplan;
    v.incoming_only = a.incoming_only;
    v.disabled = a.disabled;
    v.description = a.description;
    out.push_back(std::move(v));
  });
  std::sort(out.begin(), out.end(),
            [](const auto& x, const auto& y) { return x.username < y.username; });
  return out;
}

}  // namespace sip::b2bua
