// The in-memory binding table: insertion, refresh, removal (with the erase
// persisted and the event reported), the expiry index and its one sweep
// timer, and removals deferred while a REGISTER of the account is persisted.
#include <algorithm>

#include "sip/base/log.hpp"
#include "sip/registrar/registrar_impl.hpp"

namespace sip::registrar {
namespace {

constexpr std::string_view kLog = "registrar";

}  // namespace

std::uint64_t Registrar::Impl::find(store::Id account, std::string_view contact_key) const {
  const auto it = accounts.find(account);
  if (it == accounts.end()) return 0;
  for (std::uint64_t serial : it->second.serials)
    if (slots.at(serial).b.contact_key == contact_key) return serial;
  return 0;
}

std::uint64_t Registrar::Impl::insert(Slot slot) {
  const std::uint64_t serial = next_serial++;
  slot.expiry_pos = expiry.emplace(slot.b.expires, serial);
  accounts[slot.b.account_id].serials.push_back(serial);
  link_flow(serial, slot);
  slots.emplace(serial, std::move(slot));
  arm_keepalive(serial, true);
  return serial;
}

void Registrar::Impl::update(std::uint64_t serial, const store::Binding& b, transport::Kind kind,
                             const transport::SocketAddress& source, transport::FlowId flow) {
  Slot& s = slots.at(serial);
  if (s.b.expires != b.expires) {
    expiry.erase(s.expiry_pos);
    s.expiry_pos = expiry.emplace(b.expires, serial);
  }
  s.b = b;
  unlink_flow(serial, s);
  s.kind = kind;
  s.source = source;
  s.flow = flow;
  link_flow(serial, s);
}

void Registrar::Impl::link_flow(std::uint64_t serial, const Slot& s) {
  if (s.flow != 0 && transport::is_reliable(s.kind)) by_flow.emplace(s.flow, serial);
}

void Registrar::Impl::unlink_flow(std::uint64_t serial, const Slot& s) {
  if (s.flow == 0 || !transport::is_reliable(s.kind)) return;
  auto [first, last] = by_flow.equal_range(s.flow);
  for (auto it = first; it != last; ++it) {
    if (it->second == serial) {
      by_flow.erase(it);
      return;
    }
  }
}

void Registrar::Impl::flow_closed(transport::FlowId flow) {
  if (flow == 0) return;
  // REGISTERs that came through it and are still being stored or queued:
  // their bindings go once they are in the table (finish()).
  for (const store::Id id : busy) {
    AccountState& st = accounts[id];
    if (st.in_flight && st.in_flight->req.in.origin.flow == flow &&
        transport::is_reliable(st.in_flight->req.in.origin.kind))
      st.in_flight->req.flow_closed = true;
    for (Request& r : st.queue)
      if (r.in.origin.flow == flow && transport::is_reliable(r.in.origin.kind))
        r.flow_closed = true;
  }
  std::vector<std::uint64_t> gone;
  auto [first, last] = by_flow.equal_range(flow);
  for (auto it = first; it != last; ++it) gone.push_back(it->second);
  for (const std::uint64_t serial : gone) remove_binding(serial, RemovalReason::FlowClosed);
}

store::Binding Registrar::Impl::drop(std::uint64_t serial) {
  const auto it = slots.find(serial);
  Slot& s = it->second;
  if (s.keepalive_timer != 0) timers.cancel(s.keepalive_timer);
  if (s.options_pending && s.options_txn != txn::ClientId{}) layer.abandon(s.options_txn);
  expiry.erase(s.expiry_pos);
  unlink_flow(serial, s);
  store::Binding b = std::move(s.b);
  slots.erase(it);
  if (const auto acc = accounts.find(b.account_id); acc != accounts.end()) {
    std::erase(acc->second.serials, serial);
    forget_account_if_idle(b.account_id);
  }
  return b;
}

void Registrar::Impl::forget_account_if_idle(store::Id account) {
  const auto it = accounts.find(account);
  if (it == accounts.end()) return;
  const AccountState& st = it->second;
  // The nonce-count history must outlive the bindings (a replay would
  // otherwise register again), so an account that authenticated stays.
  const bool nonce_history = st.nonce_uses.any();
  if (st.serials.empty() && !st.in_flight && st.queue.empty() && st.deferred.empty() &&
      !nonce_history)
    accounts.erase(it);
}

void Registrar::Impl::erase_in_store(const store::Binding& b) {
  std::weak_ptr<int> token = alive;
  persistence.erase(b.account_id, b.contact_key, [this, token](Result<void> r) {
    if (r || token.expired()) return;
    ++stats.persist_failures;
    log(LogLevel::Error, kLog, "binding removal not stored: " + r.error().to_string());
  });
}

void Registrar::Impl::emit(BindingEvent::Kind kind, const store::Binding& b, RemovalReason why) {
  emit_binding(kind, b, why);
  if (observer) observer(BindingEvent{kind, b, why});
}

void Registrar::Impl::remove_binding(std::uint64_t serial, RemovalReason why) {
  const auto it = slots.find(serial);
  if (it == slots.end()) return;
  AccountState& st = accounts[it->second.b.account_id];
  if (st.in_flight) {
    // Its store row may be rewritten by the REGISTER in flight: decide after.
    st.deferred.push_back({it->second.b.contact_key, it->second.b.updated, why});
    return;
  }
  const store::Binding b = drop(serial);
  erase_in_store(b);
  if (why == RemovalReason::Expired) ++stats.expired;
  if (why == RemovalReason::ExceededPerUserLimit) ++stats.evicted;
  emit(BindingEvent::Kind::Removed, b, why);
}

void Registrar::Impl::apply_deferred(store::Id account) {
  const auto it = accounts.find(account);
  if (it == accounts.end() || it->second.deferred.empty()) return;
  std::vector<DeferredRemoval> deferred = std::move(it->second.deferred);
  it->second.deferred.clear();
  const std::int64_t now = this->now();
  for (const DeferredRemoval& d : deferred) {
    const std::uint64_t serial = find(account, d.contact_key);
    if (serial == 0) continue;
    const store::Binding& b = slots.at(serial).b;
    // Refreshed by the REGISTER meanwhile: that proves it alive.
    if (b.updated != d.updated) continue;
    if (d.reason == RemovalReason::Expired && b.expires > now) continue;
    remove_binding(serial, d.reason);
  }
}

void Registrar::Impl::arm_sweep(std::int64_t min_delay) {
  if (expiry.empty()) {
    if (sweep_timer != 0) timers.cancel(sweep_timer);
    sweep_timer = 0;
    return;
  }
  const std::int64_t now = this->now();
  const std::int64_t at = std::max(expiry.begin()->first, now + min_delay);
  if (sweep_timer != 0 && sweep_at <= at) return;  // an earlier sweep is due anyway
  if (sweep_timer != 0) timers.cancel(sweep_timer);
  sweep_at = at;
  sweep_timer = timers.start(std::chrono::seconds(std::max<std::int64_t>(at - now, 0)),
                             [this] { sweep(); });  // cancelled by ~Impl
}

void Registrar::Impl::sweep() {
  sweep_timer = 0;
  const std::int64_t now = this->now();
  std::vector<std::uint64_t> due;
  for (auto it = expiry.begin(); it != expiry.end() && it->first <= now; ++it)
    due.push_back(it->second);
  bool waiting = false;
  for (std::uint64_t serial : due) {
    const auto it = slots.find(serial);
    if (it == slots.end()) continue;
    if (accounts[it->second.b.account_id].in_flight) {
      waiting = true;  // after that REGISTER: it may refresh this binding
      continue;
    }
    remove_binding(serial, RemovalReason::Expired);
  }
  arm_sweep(waiting ? 1 : 0);
}

}  // namespace sip::registrar
