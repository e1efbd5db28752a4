// Event: one typed thing that happened in the daemon, as the live console
// shows it (docs/console.md): registrations and binding changes, calls and
// their legs, dial plan log lines and script errors, provider registration
// states, security blocks and full SIP traces. Every event names its owner
// (the customer; 0 = nobody's, shown to admins only), the account, the
// call's Call-ID and bridge id and the addresses involved.
// Thread-safety: plain values; an emitted Event is immutable and shared.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sip::event {

// The event types; kTypeNames below is the one name table (filters, JSON).
enum class Type : std::uint8_t {
  Registration,  // a REGISTER's outcome for an account (ok / failed)
  Binding,       // a registrar binding added, refreshed, removed or expired
  Call,          // a call created, answered, ended
  Leg,           // a leg dialled, answered, failed
  DialPlan,      // a dial plan's sys.Log line
  ScriptError,   // a dial plan script error (with its line)
  Provider,      // a provider registration changed state
  Security,      // a source blocked, an authentication refused
  Sip,           // a full SIP message received or sent
};
inline constexpr std::size_t kTypeCount = 9;
inline constexpr std::array<std::string_view, kTypeCount> kTypeNames = {
    "registration", "binding",  "call",     "leg", "dialplan",
    "script_error", "provider", "security", "sip"};

constexpr std::string_view type_name(Type t) noexcept {
  return kTypeNames[static_cast<std::size_t>(t)];
}
std::optional<Type> parse_type(std::string_view name) noexcept;

// "trouble" in filters is every event at Warn or Error.
enum class Level : std::uint8_t { Info, Warn, Error };
std::string_view level_name(Level l) noexcept;  // "info", "warn", "error"
std::optional<Level> parse_level(std::string_view name) noexcept;

struct Event {
  std::int64_t time = 0;  // unix ms; the Bus stamps it when 0
  Type type = Type::Call;
  Level level = Level::Info;
  std::string what;           // within the type: "created", "dialled", "in", "out" ...
  std::int64_t owner_id = 0;  // the customer; 0 = nobody's (admins only)
  std::string owner;          // the customer's username
  std::string account;        // "user@domain", or a provider's name
  std::string call_id;        // the caller's (call) or the leg's (leg, sip) Call-ID
  std::string bridge_id;      // as in the call's CDRs
  std::string remote, local;  // "udp:192.0.2.1:5060"; empty = none
  std::string method;         // SIP method (sip: the CSeq method, also for responses)
  int status = 0;             // SIP status; 0 = none
  int line = 0;               // script errors: the script line; 0 = unknown
  std::string message;        // readable text; sip: the whole message
};

}  // namespace sip::event
