#include "sip/engine/events.hpp"

#include <memory>
#include <string>

#include "sip/directory/directory.hpp"
#include "sip/event/bus.hpp"
#include "sip/parser/parse.hpp"
#include "sip/provreg/agent.hpp"
#include "sip/uri/escape.hpp"

namespace sip::engine {
namespace {

std::string socket_text(transport::Kind kind, const transport::SocketAddress& a) {
  std::string out(transport::kind_name(kind));
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out + ":" + a.to_string();
}

const store::SipAccount* account_of(const directory::Directory& dir,
                                    const Result<msg::NameAddr>& na) {
  if (!na || !na->uri.is_sip() || !na->uri.has_user) return nullptr;
  return dir.find(uri::unescape(na->uri.user), na->uri.host);
}

}  // namespace

bool SipTracer::wanted() const noexcept {
  return bus_.wants(event::Type::Sip);
}

void SipTracer::inbound(const transport::Inbound& in) const {
  if (!wanted()) return;
  emit(in.message, in.origin, false);
}

void SipTracer::outbound(const transport::Origin& origin, std::string_view bytes) const {
  if (!wanted()) return;
  auto parsed = parser::parse_datagram(bytes);
  if (!parsed) return;  // we built it: cannot happen; nothing to attribute
  emit(*parsed, origin, true);
}

void SipTracer::emit(const msg::Message& m, const transport::Origin& origin, bool out) const {
  event::Event e;
  e.type = event::Type::Sip;
  e.what = out ? "out" : "in";
  e.call_id = std::string(m.call_id());
  e.remote = socket_text(origin.kind, origin.remote);
  e.local = socket_text(origin.kind, origin.local);
  if (auto cs = m.cseq()) e.method = std::string(cs->method_token);
  if (m.is_response()) e.status = m.status();
  if (const event::Bus::Owner* o = bus_.owner_of_call(e.call_id)) {
    e.owner_id = o->id;
    e.owner = o->name;
  } else {
    const store::SipAccount* a = nullptr;
    if (e.method != "REGISTER") a = account_of(directory_, m.from());
    if (a == nullptr) a = account_of(directory_, m.to());
    if (a != nullptr) {
      e.owner_id = a->owner_id;
      if (const store::Customer* c = directory_.customer(a->owner_id)) e.owner = c->username;
      e.account = a->username + "@" + a->domain;
    }
  }
  e.message = std::string(m.bytes());
  bus_.emit(std::move(e));
}

void TraceSender::send(const transport::Destination& to, std::string bytes,
                       transport::SendDone done) {
  if (!tracer_.wanted()) return inner_.send(to, std::move(bytes), std::move(done));
  auto copy = std::make_shared<std::string>(bytes);
  const SipTracer* tracer = &tracer_;
  inner_.send(to, std::move(bytes),
              [tracer, copy, done = std::move(done)](Result<transport::Origin> r) {
                if (r) tracer->outbound(*r, *copy);
                if (done) done(std::move(r));
              });
}

void emit_refused(event::Bus& bus, const transport::Inbound& in, bool silently) {
  if (!bus.wants(event::Type::Security)) return;
  event::Event e;
  e.type = event::Type::Security;
  e.what = "refused";
  e.level = event::Level::Warn;
  e.method = std::string(in.message.method_token());
  e.call_id = std::string(in.message.call_id());
  e.remote = socket_text(in.origin.kind, in.origin.remote);
  e.local = socket_text(in.origin.kind, in.origin.local);
  e.message = e.method + " from blocked source " + in.origin.remote.ip_string() +
              (silently ? " dropped" : " refused (403)");
  bus.emit(std::move(e));
}

std::function<void(const provreg::Event&)> provider_events(event::Bus& bus,
                                                           const directory::Directory& directory) {
  return [&bus, &directory](const provreg::Event& pe) {
    if (!bus.wants(event::Type::Provider)) return;
    event::Event e;
    e.type = event::Type::Provider;
    e.what = std::string(provreg::state_name(pe.state));
    e.level = pe.state == provreg::State::Failed || pe.state == provreg::State::Disabled
                  ? event::Level::Warn
                  : event::Level::Info;
    e.owner_id = pe.owner_id;
    if (const store::Customer* c = directory.customer(pe.owner_id)) e.owner = c->username;
    e.account = pe.provider;
    e.message = "provider " + pe.provider + ": " + e.what + (pe.text.empty() ? "" : ": " + pe.text);
    bus.emit(std::move(e));
  };
}

}  // namespace sip::engine
