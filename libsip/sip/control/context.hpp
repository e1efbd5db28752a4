// What the control commands work on: the core thread's Store (connection),
// the in-memory Directory they keep in step with every change (always the
// same way: the store is written first, then the Directory publishes its
// next version with the rows read back from the store; a change of several
// rows is one version, a Directory::Edit, or a reload), the Registrar
// (null in tests and tools without one) and the engine's hooks for reload and
// stats. Thread-safety: core thread only; every referenced object must
// outlive the registry the commands are registered in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "sip/base/clock.hpp"
#include "sip/base/result.hpp"
#include "sip/dialer/fraud_guard.hpp"
#include "sip/directory/directory.hpp"
#include "sip/store/store.hpp"

namespace sip::registrar {
class Registrar;
}
namespace sip::b2bua {
class CallManager;
}
namespace sip::provreg {
class Agent;
}
namespace sip::event {
class Bus;
}

namespace sip::control {

class CommandRegistry;

struct Context {
  store::Store& store;
  directory::Directory& directory;
  registrar::Registrar* registrar = nullptr;
  // "reload": the engine's config reload (it should end with
  // reload_directory()). Empty: reload only re-reads the Directory.
  std::function<Result<void>()> reload;
  // "stats": the engine's part (uptime_s, transport ...); the command adds
  // accounts, bindings, registrar and store. Empty: only those.
  std::function<nlohmann::json()> stats;
  // Wall clock for binding "expires_in"; null = the system clock.
  const Clock* wall = nullptr;
  // PBKDF2 iterations for customer passwords; 0 = auth::kPasswordIterations
  // (tests lower it to stay fast).
  std::uint32_t password_iterations = 0;
  // "dialplan.test": the daemon's leg limit per execution (b2bua.max_legs);
  // empty: 20.
  std::function<std::size_t()> max_legs{};
  // call.* (null in tools and tests without one).
  b2bua::CallManager* calls = nullptr;
  // "provider.status": the provider registration agent; null: the command
  // answers that registrations are not running here.
  const provreg::Agent* provider_agent = nullptr;
  // "dialplan.test": the daemon's fraud guard settings (b2bua.fraud); empty:
  // the defaults.
  std::function<dialer::FraudConfig()> fraud{};
  // "console.subscribe": the daemon's console events; null: no console.
  event::Bus* events = nullptr;
};

// Registers every method of docs/control-protocol.md (customer.*, domain.*,
// account.*, binding.*, provider.*, dialplan.* with the dialplan.test dry
// run, cdr.list, cdr.count, kv.*, call.list, call.hangup, call.blindtransfer, call.dualtransfer,
// stats, reload, export, import) over `context`.
void register_commands(CommandRegistry& registry, Context& context);

// Re-reads every domain, account, customer, provider and dial plan from the
// store into the Directory, keeping its default domain.
Result<void> reload_directory(Context& context);

// A password for people to type: `length` characters from an alphabet
// without look-alikes (no 0/O, 1/l/I), from the CSPRNG.
std::string generate_password(std::size_t length = 16);

}  // namespace sip::control
