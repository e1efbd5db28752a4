// The provider registration agent of sipproxyd: keeps one registration per
// provider with register_enabled (RFC 3261 10.2 through ua::RegistrationSession:
// digest, refresh before expiry, 423, failover over the RFC 3263 targets).
// It follows the Directory: sync() (run after every published version)
// starts new bindings, re-registers edited ones and unregisters removed or
// disabled ones. New bindings start at most `start_rate` per second, so a
// start-up with hundreds of providers is spread out, and refreshes stay
// spread. Failed attempts are retried after randomised growing gaps, never
// closer than the policy's minimum gap; 403/404 disable the binding with the
// reason until the provider row changes. shutdown() unregisters everything.
// Thread-safety: core thread only; the Services must outlive the agent.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/clock.hpp"
#include "sip/base/timer.hpp"
#include "sip/provreg/plan.hpp"
#include "sip/store/types.hpp"
#include "sip/transport/transport.hpp"

namespace sip::directory {
class Directory;
}
namespace sip::dns {
class Resolver;
}
namespace sip::txn {
class TransactionLayer;
}

namespace sip::provreg {

enum class State : std::uint8_t {
  Disabled,        // 403/404 from the provider (reason kept) or an unusable row
  Registering,     // waiting for its start slot, resolving, or REGISTER sent
  Authenticating,  // answered a digest challenge
  Registered,      // until registered_until; refreshed before that
  Failed,          // retried at next_attempt
  Unregistering,   // leaving: Expires 0 sent
};
std::string_view state_name(State s) noexcept;

// One provider binding as `sipctl provider status` shows it.
struct Status {
  store::Id provider_id = 0;
  store::Id owner_id = 0;
  std::string provider;  // name
  State state = State::Registering;
  std::string reason;                 // failure or disabled reason; empty when fine
  std::int64_t registered_until = 0;  // unix seconds; 0 = not registered
  std::int64_t next_attempt = 0;      // unix seconds of the next REGISTER attempt; 0 = none
  std::uint32_t expires = 0;          // seconds the provider granted last
  std::uint32_t attempts = 0;         // registration attempts (refreshes not counted)
  std::uint32_t failures = 0;         // consecutive failed attempts
  std::uint64_t refreshes = 0;
  std::string contact;  // Contact URI registered
  std::string target;   // "UDP 192.0.2.1:5060": where the last request went
};

// A state change, for the log and the console (sip/event).
struct Event {
  store::Id provider_id = 0;
  std::string provider;
  State state = State::Registering;
  std::string text;
  store::Id owner_id = 0;  // the provider's customer
};

struct AgentConfig {
  double start_rate = 20.0;  // new bindings started per second (at least 0.1)
  RetryPolicy retry;
  std::string user_agent = "sipsmith";
  std::string server_name = "sipsmith";  // seeds the stable +sip.instance
  // shutdown(): registered bindings unregister at most `stop_rate` per
  // second; it waits at most their spread plus `stop_timeout`.
  double stop_rate = 100.0;
  std::chrono::milliseconds stop_timeout{2000};
};

struct Services {
  txn::TransactionLayer* layer = nullptr;
  transport::Sender* sender = nullptr;
  TimerService* timers = nullptr;
  const Clock* wall = nullptr;
  const directory::Directory* directory = nullptr;
  dns::Resolver* resolver = nullptr;           // null: numeric servers only
  std::function<void(const Event&)> on_event;  // may be empty
  // Persistence (each may be empty): every state change of a binding with
  // the fingerprint of its provider row; a binding that went away.
  std::function<void(const Status&, std::uint64_t fingerprint)> save;
  std::function<void(store::Id provider_id)> erase;
};

class Agent {
 public:
  Agent(Services services, AgentConfig config);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Before the first sync(): a binding stored as disabled (403/404) stays
  // disabled with `reason` while its provider row still has `fingerprint`.
  void restore_disabled(store::Id provider_id, std::uint64_t fingerprint, std::string reason);
  // Brings the bindings in line with the Directory's current version.
  void sync();
  // Applies to attempts scheduled from now on.
  void reconfigure(AgentConfig config);
  // Unregisters every registered binding (paced at stop_rate) and stops;
  // `done` runs once (on the core thread, never inside this call) when all
  // have answered or after their spread plus stop_timeout. sync() does
  // nothing afterwards.
  void shutdown(std::function<void()> done);

  // Every binding (leaving ones included), ordered by owner and name.
  std::vector<Status> status() const;
  // The flow (local socket and remote address, or connection) provider
  // `provider_id`'s registration went through; nullopt unless registered.
  // Calls to that provider leave through it: the provider's NAT pinhole.
  std::optional<transport::Origin> registration_flow(store::Id provider_id) const;
  std::size_t size() const noexcept;

  class Binding;  // agent_binding.cpp

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sip::provreg
