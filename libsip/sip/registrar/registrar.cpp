// Registrar: construction, configuration, restore, the public operations.
// REGISTER handling is in register_request.cpp and binding_plan.cpp, the
// binding table in binding_table.cpp, keep-alives in keepalive.cpp.
#include "sip/registrar/registrar.hpp"

#include <algorithm>

#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/registrar/registrar_impl.hpp"
#include "sip/uri/uri.hpp"

namespace sip::registrar {
namespace {

constexpr std::string_view kLog = "registrar";

std::string random_hex(std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  std::vector<std::uint8_t> bytes(n);
  random_bytes(bytes);
  for (std::size_t i = 0; i < n; ++i) out[i] = kHex[bytes[i] & 0xF];
  return out;
}

}  // namespace

const char* removal_reason_name(RemovalReason r) noexcept {
  switch (r) {
    case RemovalReason::ClientExpiredSpecific: return "client_expired_specific";
    case RemovalReason::ClientExpiredAll: return "client_expired_all";
    case RemovalReason::Expired: return "expired";
    case RemovalReason::ExceededPerUserLimit: return "exceeded_per_user_limit";
    case RemovalReason::KeepAliveFailed: return "keepalive_failed";
    case RemovalReason::FlowClosed: return "flow_closed";
    case RemovalReason::Administrative: return "administrative";
  }
  return "unknown";
}

Registrar::Impl::Impl(txn::TransactionLayer& layer_, transport::Sender& sender_,
                      TimerService& timers_, const Clock& wall_,
                      const directory::Directory& directory_, Persistence& persistence_,
                      const auth::NonceService& nonces_, policy::SourceGuard* guard_)
    : layer(layer_),
      sender(sender_),
      timers(timers_),
      wall(wall_),
      directory(directory_),
      persistence(persistence_),
      nonces(nonces_),
      guard(guard_) {
  dummy_ha1[0] = random_hex(32);
  dummy_ha1[1] = random_hex(64);
}

Registrar::Impl::~Impl() {
  alive.reset();
  if (sweep_timer != 0) timers.cancel(sweep_timer);
  for (auto& [serial, s] : slots) {
    if (s.keepalive_timer != 0) timers.cancel(s.keepalive_timer);
    if (s.options_pending && s.options_txn != txn::ClientId{}) layer.abandon(s.options_txn);
  }
  // Answer what is still waiting, then detach the handles: persistence
  // callbacks may outlive us and must not touch the layer.
  for (auto& [id, st] : accounts) {
    if (st.in_flight && st.in_flight->req.txn) {
      (void)st.in_flight->req.txn.respond(500, "Shutting down");
      (void)st.in_flight->req.txn.release();
    }
    for (Request& r : st.queue) (void)r.txn.respond(500, "Shutting down");
  }
}

Result<void> Registrar::Impl::apply_config(Config c) {
  if (c.min_expires.count() < 0 || c.max_expires < c.min_expires)
    return make_error(Errc::bad_config, 0, "registrar max_expires is below min_expires");
  if (c.max_bindings == 0) return make_error(Errc::bad_config, 0, "registrar max_bindings is 0");
  if (c.algorithms.empty())
    return make_error(Errc::bad_config, 0, "registrar offers no digest algorithm");
  for (std::size_t i = 0; i < c.algorithms.size(); ++i) {
    if (!auth::server_supports(c.algorithms[i]))
      return make_error(Errc::bad_config, i, "registrar algorithms: MD5 and SHA-256 only");
    if (std::find(c.algorithms.begin(), c.algorithms.begin() + static_cast<std::ptrdiff_t>(i),
                  c.algorithms[i]) != c.algorithms.begin() + static_cast<std::ptrdiff_t>(i))
      return make_error(Errc::bad_config, i, "registrar algorithms: listed twice");
  }
  if (c.keepalive_interval.count() <= 0)
    return make_error(Errc::bad_config, 0, "registrar keepalive_interval must be positive");
  auto rules = UaRules::compile(c.user_agent_rules);
  if (!rules) return rules.error();
  ua_rules = std::move(rules).value();
  config = std::move(c);
  return {};
}

Registrar::Registrar(txn::TransactionLayer& layer, transport::Sender& sender, TimerService& timers,
                     const Clock& wall, const directory::Directory& directory,
                     Persistence& persistence, const auth::NonceService& nonces, Config config,
                     policy::SourceGuard* guard)
    : impl_(std::make_unique<Impl>(layer, sender, timers, wall, directory, persistence, nonces,
                                   guard)) {
  // A constructor cannot fail: an invalid config is logged and the defaults
  // stand in (reconfigure() reports the error to callers that can act on it).
  if (const auto r = impl_->apply_config(std::move(config)); !r) {
    log(LogLevel::Error, kLog,
        "invalid registrar config, using defaults: " + r.error().to_string());
    (void)impl_->apply_config(Config{});
  }
}

Registrar::~Registrar() = default;

Result<void> Registrar::reconfigure(Config config) {
  return impl_->apply_config(std::move(config));
}

void Registrar::restore(std::vector<store::Binding> bindings) {
  Impl& m = *impl_;
  const std::int64_t now = m.now();
  for (store::Binding& b : bindings) {
    if (b.expires <= now) {
      m.erase_in_store(b);
      ++m.stats.expired;
      m.emit(BindingEvent::Kind::Removed, b, RemovalReason::Expired);
      continue;
    }
    if (m.find(b.account_id, b.contact_key) != 0) continue;  // duplicate row
    Slot s;
    s.kind = transport::kind_from_name(b.transport).value_or(transport::Kind::Udp);
    s.source = transport::SocketAddress::parse(b.remote, transport::default_port(s.kind))
                   .value_or(transport::SocketAddress{});
    s.b = std::move(b);
    m.insert(std::move(s));
  }
  m.arm_sweep();
}

void Registrar::on_register(txn::ServerTransaction txn, transport::Inbound&& in) {
  impl_->on_register(std::move(txn), std::move(in));
}

void Registrar::on_flow_closed(transport::FlowId flow) {
  impl_->flow_closed(flow);
}

auth::AlgorithmList Registrar::digest_algorithms(const store::SipAccount* account,
                                                 std::string_view user_agent) const {
  return impl_->algorithms_for(account, user_agent);
}

auth::AlgorithmList Registrar::Impl::algorithms_for(const store::SipAccount* account,
                                                    std::string_view user_agent) const {
  if (account != nullptr && !account->digest_algorithms.empty()) {
    // Checked when stored; a bad value falls through to the server's setting.
    if (auto own = auth::parse_server_algorithms(account->digest_algorithms)) return *own;
  }
  if (const auth::AlgorithmList* rule = ua_rules.algorithms(user_agent)) return *rule;
  return config.algorithms;
}

std::vector<store::Binding> Registrar::bindings(store::Id account_id) const {
  std::vector<store::Binding> out;
  const auto it = impl_->accounts.find(account_id);
  if (it == impl_->accounts.end()) return out;
  out.reserve(it->second.serials.size());
  for (std::uint64_t serial : it->second.serials) out.push_back(impl_->slots.at(serial).b);
  return out;
}

std::vector<Registrar::CallTarget> Registrar::call_targets(store::Id account_id) const {
  std::vector<CallTarget> out;
  const auto it = impl_->accounts.find(account_id);
  if (it == impl_->accounts.end()) return out;
  out.reserve(it->second.serials.size());
  for (std::uint64_t serial : it->second.serials) {
    const Slot& s = impl_->slots.at(serial);
    CallTarget t;
    t.binding = s.b;
    t.destination.kind = s.kind;
    t.destination.address = s.source;
    t.destination.flow = s.flow;
    // The mangled contact says where the phone is reachable: its NAT
    // pinhole (the REGISTER's source) when the contact was rewritten, else
    // the contact itself (dont_mangle, or a contact that already matched).
    const std::string& where = s.b.mangled_uri.empty() ? s.b.contact_uri : s.b.mangled_uri;
    if (const auto u = uri::parse_uri(where);
        u && (u->host_kind == uri::HostKind::IPv4 || u->host_kind == uri::HostKind::IPv6)) {
      if (auto a = transport::SocketAddress::from_ip(u->host, u->port_or_default())) {
        if (!(*a == s.source)) {
          t.destination.address = *a;
          // A UDP flow is tied to its remote address; a connection is kept.
          if (!transport::is_reliable(s.kind)) t.destination.flow = 0;
        }
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<store::Binding> Registrar::all_bindings() const {
  std::vector<store::Binding> out;
  out.reserve(impl_->slots.size());
  for (const auto& [id, st] : impl_->accounts)
    for (std::uint64_t serial : st.serials) out.push_back(impl_->slots.at(serial).b);
  return out;
}

Result<void> Registrar::remove(store::Id account_id, const std::string& contact_key,
                               RemovalReason why) {
  const auto it = impl_->accounts.find(account_id);
  if (it != impl_->accounts.end())
    for (std::uint64_t serial : it->second.serials)
      if (impl_->slots.at(serial).b.contact_key == contact_key) {
        impl_->remove_binding(serial, why);
        return {};
      }
  return make_error(Errc::not_found, 0, "no such binding");
}

Result<void> Registrar::remove_all(store::Id account_id, RemovalReason why) {
  const auto it = impl_->accounts.find(account_id);
  if (it == impl_->accounts.end() || it->second.serials.empty())
    return make_error(Errc::not_found, 0, "no bindings");
  const std::vector<std::uint64_t> serials = it->second.serials;
  for (std::uint64_t serial : serials) impl_->remove_binding(serial, why);
  return {};
}

void Registrar::set_observer(std::function<void(const BindingEvent&)> observer) {
  impl_->observer = std::move(observer);
}

const Stats& Registrar::stats() const noexcept {
  Impl& m = *impl_;
  m.stats.bindings = m.slots.size();
  m.stats.blocked_sources = m.guard != nullptr ? m.guard->blocked_count() : 0;
  return m.stats;
}

}  // namespace sip::registrar
