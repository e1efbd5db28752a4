// What dial plans and dial string resolution look up in the daemon: the
// Directory and the current bindings, in memory.
#include "sip/dialer/directory_host.hpp"

#include <algorithm>
#include <utility>

#include "sip/base/ci.hpp"

namespace sip::dialer {

dialplan::AccountView account_view_of(const store::SipAccount& a, std::string_view owner) {
  dialplan::AccountView v;
  v.username = a.username;
  v.domain = a.domain;
  v.owner = std::string(owner);
  v.out_dialplan = a.out_dialplan;
  v.in_dialplan = a.in_dialplan;
  v.incoming_only = a.incoming_only;
  v.disabled = a.disabled;
  v.description = a.description;
  return v;
}

DirectoryHost::DirectoryHost(directory::SnapshotPtr directory, BindingsFn bindings,
                             TargetsFn targets, CallCountFn call_count)
    : directory_(std::move(directory)),
      bindings_(std::move(bindings)),
      targets_(std::move(targets)),
      call_count_(std::move(call_count)) {}

std::vector<dialplan::ProviderView> DirectoryHost::provider_views(store::Id owner) const {
  std::vector<dialplan::ProviderView> out;
  for (const store::Provider* p : directory_->providers_of(owner)) {
    dialplan::ProviderView v;
    v.name = p->name;
    v.type = p->type;
    v.server = p->server;
    v.username = p->username;
    v.auth_username = p->auth_username;
    v.from_template = p->from_template;
    v.custom_headers = p->custom_headers;
    v.outbound_proxy = p->outbound_proxy;
    v.register_enabled = p->register_enabled;
    v.read_only = p->read_only;
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<dialplan::AccountView> DirectoryHost::account_view(std::string_view user,
                                                                 std::string_view domain) {
  const store::SipAccount* a = directory_->find(user, domain);
  if (a == nullptr) return std::nullopt;
  const store::Customer* c = directory_->customer(a->owner_id);
  return account_view_of(*a, c != nullptr ? std::string_view(c->username) : std::string_view());
}

std::optional<std::string> DirectoryHost::canonical_domain(std::string_view host) {
  if (auto d = directory_->canonical_domain(host)) return std::string(*d);
  return std::nullopt;
}

const store::SipAccount* DirectoryHost::find_account(std::string_view user,
                                                     std::string_view domain) {
  return directory_->find_with_fallback(user, domain);
}

std::vector<routing::BindingTarget> DirectoryHost::bindings(const store::SipAccount& account) {
  if (targets_) return targets_(account.id);
  std::vector<routing::BindingTarget> out;
  if (!bindings_) return out;
  for (auto& b : bindings_(account.id)) {
    routing::BindingTarget t;
    t.contact_uri = std::move(b.contact_uri);
    t.local = std::move(b.local);
    out.push_back(std::move(t));
  }
  return out;
}

const store::Provider* DirectoryHost::find_provider(store::Id owner, std::string_view name) {
  return directory_->find_provider(owner, name);
}

bool DirectoryHost::is_available(std::string_view user, std::string_view domain) {
  const store::SipAccount* a = directory_->find(user, domain);
  return a != nullptr && bindings_ && !bindings_(a->id).empty();
}

bool DirectoryHost::is_mine(std::string_view owner, std::string_view user,
                            std::string_view domain) {
  const store::SipAccount* a = directory_->find(user, domain);
  if (a == nullptr) return false;
  const store::Customer* c = directory_->customer(a->owner_id);
  return c != nullptr && ci_equal(c->username, owner);
}

bool DirectoryHost::account_exists(std::string_view user, std::string_view domain) {
  return directory_->find(user, domain) != nullptr;
}

std::optional<std::vector<dialplan::BindingView>> DirectoryHost::bindings(std::string_view owner,
                                                                          std::string_view user,
                                                                          std::string_view domain) {
  if (!is_mine(owner, user, domain)) return std::nullopt;
  const store::SipAccount* a = directory_->find(user, domain);
  std::vector<dialplan::BindingView> out;
  if (!bindings_) return out;
  for (const auto& b : bindings_(a->id)) {
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

std::size_t DirectoryHost::current_call_count(std::string_view owner) {
  const store::Customer* c = directory_->find_customer(owner);
  if (c == nullptr || !call_count_) return 0;
  return call_count_(c->id);
}

std::vector<dialplan::AccountView> DirectoryHost::accounts(std::string_view owner) {
  std::vector<dialplan::AccountView> out;
  const store::Customer* c = directory_->find_customer(owner);
  if (c == nullptr) return out;
  directory_->for_each_account([&](const store::SipAccount& a) {
    if (a.owner_id == c->id) out.push_back(account_view_of(a, c->username));
  });
  std::sort(out.begin(), out.end(),
            [](const auto& x, const auto& y) { return x.username < y.username; });
  return out;
}

}  // namespace sip::dialer
