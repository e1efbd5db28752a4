// The registrar's console events (sip/event): each REGISTER's outcome
// (200 "ok", refusals other than the routine 401 challenge "failed") and
// every binding change. Nothing is built when nobody subscribed.
#include <string>

#include "sip/event/bus.hpp"
#include "sip/registrar/registrar_impl.hpp"
#include "sip/uri/escape.hpp"

namespace sip::registrar {
namespace {

std::string lower_kind(transport::Kind k) {
  std::string out(transport::kind_name(k));
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

}  // namespace

void Registrar::set_events(event::Bus* bus) {
  impl_->console = bus;
}

void Registrar::Impl::emit_register(const Request& r, int status, std::string_view reason) {
  if (console == nullptr || status == 401 || status < 200 ||
      !console->wants(event::Type::Registration))
    return;
  event::Event e;
  e.type = event::Type::Registration;
  e.what = status < 300 ? "ok" : "failed";
  e.level = status < 300 ? event::Level::Info : event::Level::Warn;
  e.method = "REGISTER";
  e.status = status;
  const msg::Message& m = r.in.message;
  e.call_id = std::string(m.call_id());
  e.remote = lower_kind(r.in.origin.kind) + ":" + r.in.origin.remote.to_string();
  e.local = lower_kind(r.in.origin.kind) + ":" + r.in.origin.local.to_string();
  std::string user;
  if (auto to = m.to()) user = uri::unescape(to->uri.user);
  const store::SipAccount* account =
      r.account_id != 0 ? directory.get(r.account_id)
                        : (r.realm.empty() ? nullptr : directory.find(user, r.realm));
  if (account != nullptr) {
    e.owner_id = account->owner_id;
    if (const store::Customer* c = directory.customer(account->owner_id)) e.owner = c->username;
    e.account = account->username + "@" + account->domain;
  } else if (!user.empty()) {
    e.account = user + (r.realm.empty() ? "" : "@" + r.realm);  // unknown: admins only
  }
  e.message = "register " + (e.account.empty() ? std::string("?") : e.account) + " from " +
              e.remote + ": " + std::to_string(status) + " " + std::string(reason);
  console->emit(std::move(e));
}

void Registrar::Impl::emit_binding(BindingEvent::Kind kind, const store::Binding& b,
                                   RemovalReason why) {
  if (console == nullptr || !console->wants(event::Type::Binding)) return;
  event::Event e;
  e.type = event::Type::Binding;
  e.what = kind == BindingEvent::Kind::Added       ? "added"
           : kind == BindingEvent::Kind::Refreshed ? "refreshed"
                                                   : "removed";
  e.call_id = b.call_id;
  e.remote = b.transport + ":" + b.remote;
  e.local = b.transport + ":" + b.local;
  if (const store::SipAccount* account = directory.get(b.account_id)) {
    e.owner_id = account->owner_id;
    if (const store::Customer* c = directory.customer(account->owner_id)) e.owner = c->username;
    e.account = account->username + "@" + account->domain;
  }
  e.message = e.what + " " + b.contact_uri;
  if (b.mangled_uri != b.contact_uri && !b.mangled_uri.empty())
    e.message += " (reached at " + b.mangled_uri + ")";
  if (kind == BindingEvent::Kind::Removed)
    e.message += ": " + std::string(removal_reason_name(why));
  else
    e.message += ", expires in " + std::to_string(b.expires - now()) + " s";
  console->emit(std::move(e));
}

}  // namespace sip::registrar
