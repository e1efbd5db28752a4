// The engine's provider registration agent: built over the transaction
// layer and resolver, synced after every Directory version (control
// commands, import, reload), coalesced to one sync per loop turn. Binding
// states go to the store through the write queue (provider_bindings); at
// start the disabled ones come back while their provider row is unchanged.
#include <cstdio>
#include <cstdlib>

#include "sip/base/log.hpp"
#include "sip/engine/engine_impl.hpp"
#include "sip/engine/events.hpp"

namespace sip::engine {
namespace {

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

void submit_or_log(store::WriteQueue& writes, store::WriteQueue::Job job) {
  auto r = writes.submit(std::move(job), [](Result<void> done) {
    if (!done)
      log(LogLevel::Warn, "provreg",
          "registration state not stored: " + std::string(done.error().detail));
  });
  if (!r) log(LogLevel::Warn, "provreg", "registration state not stored: write queue full");
}

}  // namespace

void Engine::Impl::start_provider_agent() {
  if (!config.provider_registration_enabled) {
    log(LogLevel::Info, "provreg",
        "provider registrations are off (provider_registration.enabled)");
    return;
  }
  provreg::Services ps;
  ps.layer = txn.get();
  ps.sender = sender.get();
  ps.timers = &loop;
  ps.wall = &loop.clock();
  ps.directory = &directory;
  ps.resolver = resolver.get();
  ps.on_event = provider_events(events, directory);
  ps.save = [this](const provreg::Status& st, std::uint64_t fingerprint) {
    store::ProviderBindingState row;
    row.provider_id = st.provider_id;
    row.state = std::string(provreg::state_name(st.state));
    row.reason = st.reason;
    row.registered_until = st.registered_until;
    row.next_attempt = st.next_attempt;
    row.attempts = st.attempts;
    row.fingerprint = hex64(fingerprint);
    row.contact = st.contact;
    row.updated = loop.clock().unix_seconds();
    submit_or_log(*writes, [row](store::Store& s) { return s.provider_bindings().upsert(row); });
  };
  ps.erase = [this](store::Id id) {
    submit_or_log(*writes, [id](store::Store& s) { return s.provider_bindings().remove(id); });
  };
  provreg::AgentConfig ac = config.provider_registration;
  ac.server_name = config.registrar.server_name;
  config.provider_registration.server_name = ac.server_name;
  provider_agent = std::make_unique<provreg::Agent>(std::move(ps), std::move(ac));
  if (auto saved = store->provider_bindings().list(); saved) {
    for (const auto& row : *saved)
      if (row.state == "disabled")
        provider_agent->restore_disabled(
            row.provider_id, std::strtoull(row.fingerprint.c_str(), nullptr, 16), row.reason);
  } else {
    log(LogLevel::Warn, "provreg",
        "cannot read stored registration states: " + std::string(saved.error().detail));
  }
  directory.set_on_publish([this] {
    if (provider_sync_posted || !provider_agent) return;
    provider_sync_posted = true;
    loop.post([this] {
      provider_sync_posted = false;
      if (provider_agent && !stopping) provider_agent->sync();
    });
  });
  provider_agent->sync();
}

std::optional<transport::Origin> Engine::Impl::provider_flow(store::Id owner,
                                                             std::string_view name) const {
  if (!provider_agent) return std::nullopt;
  const store::Provider* p = directory.snapshot()->find_provider(owner, name);
  if (p == nullptr) return std::nullopt;
  return provider_agent->registration_flow(p->id);
}

}  // namespace sip::engine
