#include "sip/provreg/agent.hpp"

#include <algorithm>
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

  // `forget`: the provider is gone or no longer registers (its stored state
  // goes too); false at shutdown (the state stays for the next start).
  void remove(store::Id id, bool forget) {
    auto it = bindings.find(id);
    if (it == bindings.end()) return;
    const std::uint64_t key = next_leaving++;
    Binding& b = *it->second;
    leaving.emplace(key, std::move(it->second));
    bindings.erase(it);
    b.leave([this, key, forget] {
      auto left = leaving.find(key);
      if (left == leaving.end()) return;
      const Status s = left->second->status();
      log(LogLevel::Info, "provreg",
          "provider " + s.provider + " (id " + std::to_string(s.provider_id) + "): removed");
      if (forget && svc.erase) svc.erase(s.provider_id);
      if (svc.on_event) svc.on_event(Event{s.provider_id, s.provider, s.state, "removed"});
      leaving.erase(left);
    });
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
      if (it->second->fingerprint() != fp) {
        std::string why;
        auto plan = make_plan(*p, domain, m.config.server_name, &why);
        it->second->restart(*p, fp, std::move(plan), why);
      }
      continue;
    }
    std::string why;
    auto plan = make_plan(*p, domain, m.config.server_name, &why);
    if (!plan) {
      ProviderPlan empty;
      empty.config.contact = contact_uri(*p, domain);
      auto b = std::make_unique<Binding>(m.svc, m.config, *p, fp, std::move(empty));
      b->disable(why);
      m.bindings.emplace(p->id, std::move(b));
      continue;
    }
    auto b = std::make_unique<Binding>(m.svc, m.config, *p, fp, std::move(*plan));
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
  std::vector<store::Id> ids;
  for (const auto& [id, b] : m.bindings) ids.push_back(id);
  for (store::Id id : ids) m.remove(id, false);
  // Polls the leaving set (bounded by stop_timeout) so `done` runs once.
  auto shared = std::make_shared<std::function<void()>>(std::move(done));
  const TimePoint deadline = m.svc.timers->clock().now() + m.config.stop_timeout;
  auto poll = std::make_shared<std::function<void()>>();
  *poll = [this, shared, deadline, poll] {
    Impl& mm = *impl_;
    if (mm.leaving.empty() || mm.svc.timers->clock().now() >= deadline) {
      if (!mm.leaving.empty())
        log(LogLevel::Warn, "provreg",
            std::to_string(mm.leaving.size()) +
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

std::size_t Agent::size() const noexcept {
  return impl_->bindings.size() + impl_->leaving.size();
}

}  // namespace sip::provreg
