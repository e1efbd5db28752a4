// The engine's provider registration agent: built over the transaction
// layer and resolver, synced after every Directory version (control
// commands, import, reload), coalesced to one sync per loop turn.
#include "sip/base/log.hpp"
#include "sip/engine/engine_impl.hpp"

namespace sip::engine {

void Engine::Impl::start_provider_agent() {
  if (!config.provider_registration_enabled) {
    log(LogLevel::Info, "provreg",
        "provider registrations are off (provider_registration.enabled)");
    return;
  }
  provreg::Services ps;
  ps.layer = txn.get();
  ps.sender = transport.get();
  ps.timers = &loop;
  ps.wall = &loop.clock();
  ps.directory = &directory;
  ps.resolver = resolver.get();
  provreg::AgentConfig ac = config.provider_registration;
  ac.server_name = config.registrar.server_name;
  config.provider_registration.server_name = ac.server_name;
  provider_agent = std::make_unique<provreg::Agent>(std::move(ps), std::move(ac));
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

}  // namespace sip::engine
