#include "sip/provreg/agent.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "sip/base/log.hpp"
#include "sip/directory/directory.hpp"
#include "sip/provreg/binding.hpp"

namespace sip::provreg {

std::string_view state_name(State s) noexcept {
  switch (s) {
    case State::Disabled: return "disabled";
    case State::Registering: return "registering";
    case State::Authenticating: return "authenticating";
    case State::Registered: return "registered";
    case State::Failed: return "failed";
    case State::Unregistering: return "unregistering";
  }
  return "?";
}

struct Agent::Impl {
  Services svc;
  AgentConfig config;
  std::unordered_map<store::Id, std::unique_ptr<Binding>> bindings;
  // Bindings unregistering after removal, keyed by a serial (a provider may
  // be added again while its old binding still leaves).
  std::map<std::uint64_t, std::unique_ptr<Binding>> leaving;
  std::uint64_t next_leaving = 0;
  struct Restored {
    std::uint64_t fingerprint = 0;
    std::string reason;
  };
  std::unordered_map<store::Id, Restored> restored;  // consumed by the first sync
  TimePoint next_slot{};  // start pacing: the earliest time of the next first attempt
  bool stopped = false;

  Duration start_delay() {
    const TimePoint now = svc.timers->clock().now();
    const auto step = std::chrono::duration_cast<Duration>(
        std::chrono::duration<double>(1.0 / std::max(0.1, config.start_rate)));
    next_slot = std::max(next_slot, now);
    const Duration delay = next_slot - now;
    next_slot += step;
    return delay;
  }

  // A binding for row `p`: ready to start, or disabled when the row is
  // unusable (the reason says which field).
  std::unique_ptr<Binding> make_binding(const store::Provider& p, std::uint64_t fp,
                                        const std::string& domain, bool* usable) {
    std::string why;
    auto plan = make_plan(p, domain, config.server_name, &why);
    *usable = plan.has_value();
    if (plan) return std::make_unique<Binding>(svc, config, p, fp, std::move(*plan));
    ProviderPlan empty;
    empty.config.contact = contact_uri(p, domain);
    auto b = std::make_unique<Binding>(svc, config, p, fp, std::move(empty));
    b->disable(why);
    return b;
  }

  // `forget`: the provider is gone or no longer registers (its stored state
  // goes too); false at shutdown (the state stays for the next start) and
  // when an edited row replaces the binding. `then` runs once it has left.
  void remove(store::Id id, bool forget, std::function<void()> then = {}) {
    auto it = bindings.find(id);
    if (it == bindings.end()) return;
    const std::uint64_t key = next_leaving++;
    Binding& b = *it->second;
    leaving.emplace(key, std::move(it->second));
    bindings.erase(it);
    b.leave([this, key, forget, then = std::move(then)] {
      auto left = leaving.find(key);
      if (left == leaving.end()) return;
      const Status s = left->second->status();
      const char* what = then ? "old contact unregistered" : "removed";
      log(LogLevel::Info, "provreg",
          "provider " + s.provider + " (id " + std::to_string(s.provider_id) + "): " + what);
      if (forget && svc.erase) svc.erase(s.provider_id);
      if (svc.on_event) svc.on_event(Event{s.provider_id, s.provider, s.state, what});
      leaving.erase(left);
      if (then) then();
    });
  }

  // An edited row: the old binding unregisters its contact (Expires 0,
  // with the old credentials, through the flow it registered on) and only
  // then the new one registers, at once (an edit is the user's request).
  void replace(const store::Provider& p, std::uint64_t fp, const std::string& domain) {
    bool usable = false;
    auto fresh = make_binding(p, fp, domain, &usable);
    Binding* raw = fresh.get();
    if (usable) raw->wait("waiting for the old contact to unregister");
    remove(p.id, false, [this, id = p.id, raw, usable] {
      auto it = bindings.find(id);
      if (!usable || stopped || it == bindings.end() || it->second.get() != raw) return;
      raw->start(Duration::zero());
    });
    bindings.emplace(p.id, std::move(fresh));
  }
};

Agent::Agent(Services services, AgentConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->svc = std::move(services);
  impl_->config = std::move(config);
}

Agent::~Agent() = default;

void Agent::restore_disabled(store::Id provider_id, std::uint64_t fingerprint, std::string reason) {
  impl_->restored[provider_id] = Impl::Restored{fingerprint, std::move(reason)};
}

void Agent::reconfigure(AgentConfig config) {
  impl_->config = std::move(config);
}

void Agent::sync() {
  Impl& m = *impl_;
  if (m.stopped) return;
  const directory::SnapshotPtr snap = m.svc.directory->snapshot();
  const std::string domain(snap->default_domain());
  std::unordered_set<store::Id> wanted;
  // Sorted by owner and name so that start-up pacing is deterministic.
  std::vector<const store::Provider*> rows;
  snap->for_each_provider([&](const store::Provider& p) {
    if (p.register_enabled) rows.push_back(&p);
  });
  std::sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    return a->owner_id != b->owner_id ? a->owner_id < b->owner_id : a->name < b->name;
  });
  for (const store::Provider* p : rows) {
    wanted.insert(p->id);
    const std::uint64_t fp = fingerprint(*p, domain);
    auto it = m.bindings.find(p->id);
    if (it != m.bindings.end()) {
      if (it->second->fingerprint() != fp) m.replace(*p, fp, domain);
      continue;
    }
    bool usable = false;
    auto b = m.make_binding(*p, fp, domain, &usable);
    if (!usable) {
      m.bindings.emplace(p->id, std::move(b));
      continue;
    }
    if (auto r = m.restored.find(p->id); r != m.restored.end() && r->second.fingerprint == fp) {
      b->disable(r->second.reason);
    } else {
      b->start(m.start_delay());
    }
    m.bindings.emplace(p->id, std::move(b));
  }
  std::vector<store::Id> gone;
  for (const auto& [id, b] : m.bindings)
    if (!wanted.count(id)) gone.push_back(id);
  for (store::Id id : gone) m.remove(id, true);
  m.restored.clear();
}

void Agent::shutdown(std::function<void()> done) {
  Impl& m = *impl_;
  m.stopped = true;
  // Bindings with nothing to unregister go at once; registered ones leave
  // `stop_rate` per second (a provider holding hundreds of our bindings
  // gets no burst), each Expires 0 answered or abandoned by the deadline.
  std::vector<store::Id> registered, idle;
  for (const auto& [id, b] : m.bindings)
    (b->status().state == State::Registered ? registered : idle).push_back(id);
  std::sort(registered.begin(), registered.end());
  for (store::Id id : idle) m.remove(id, false);
  const auto step = std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(1.0 / std::max(1.0, m.config.stop_rate)));
  for (std::size_t i = 0; i < registered.size(); ++i) {
    const store::Id id = registered[i];
    if (i == 0) {
      m.remove(id, false);
      continue;
    }
    m.svc.timers->start(step * static_cast<long>(i), [this, id] { impl_->remove(id, false); });
  }
  // Polls (bounded) until every binding has left, so `done` runs once.
  auto shared = std::make_shared<std::function<void()>>(std::move(done));
  const TimePoint deadline = m.svc.timers->clock().now() +
                             step * static_cast<long>(registered.size()) + m.config.stop_timeout;
  auto poll = std::make_shared<std::function<void()>>();
  *poll = [this, shared, deadline, poll] {
    Impl& mm = *impl_;
    const std::size_t left = mm.leaving.size() + mm.bindings.size();
    if (left == 0 || mm.svc.timers->clock().now() >= deadline) {
      if (left != 0)
        log(LogLevel::Warn, "provreg",
            std::to_string(left) +
                " provider registrations did not answer "
                "the unregister in time");
      auto fn = std::move(*shared);
      *poll = nullptr;  // breaks the self-reference
      if (fn) fn();
      return;
    }
    mm.svc.timers->start(std::chrono::milliseconds(20), *poll);
  };
  m.svc.timers->start(Duration::zero(), *poll);
}

std::vector<Status> Agent::status() const {
  std::vector<Status> out;
  for (const auto& [id, b] : impl_->bindings) out.push_back(b->status());
  for (const auto& [key, b] : impl_->leaving) out.push_back(b->status());
  std::sort(out.begin(), out.end(), [](const Status& a, const Status& b) {
    return a.owner_id != b.owner_id ? a.owner_id < b.owner_id : a.provider < b.provider;
  });
  return out;
}

std::optional<transport::Origin> Agent::registration_flow(store::Id provider_id) const {
  auto it = impl_->bindings.find(provider_id);
  if (it == impl_->bindings.end()) return std::nullopt;
  return it->second->flow();
}

std::size_t Agent::size() const noexcept {
  return impl_->bindings.size() + impl_->leaving.size();
}

}  // namespace sip::provreg
