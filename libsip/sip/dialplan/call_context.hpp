// CallContext: everything a dial plan execution may read about the call that
// started it, as plain owned values (the request is a copy: changing it has no
// effect on the call), plus two non-owning service pointers (clock, host).
// The driver (call manager, dialplan-test) fills it once; the execution keeps
// its own copy. Thread-safety: plain values; the pointees belong to the driver
// and must outlive every execution started with this context.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/clock.hpp"

namespace sip::dialplan {

class Host;

enum class Direction : std::uint8_t { In, Out };

// A URI split the way scripts read it (req.URI, From URI, sys.RedirectURI).
struct UriParts {
  std::string scheme = "sip";
  std::string user;        // still %-escaped, as in the request
  std::string host;        // IPv6 without brackets
  std::uint16_t port = 0;  // 0 when absent
  std::string params;      // ";a=b;c" with the leading ';', or empty
  std::string full;        // the whole URI text, e.g. "sip:100@example.com;user=phone"
};

// Splits a URI text (sip:, sips:, tel:, or a relaxed "user@host") into parts;
// text that does not parse keeps only `full` (and a best-effort user/host).
UriParts split_uri(std::string_view text);

// The read-only request copy (`req` in Lua).
struct RequestView {
  std::string method = "INVITE";
  UriParts uri;              // request-URI
  std::string from_display;  // From display name, unquoted
  UriParts from_uri;         // From URI
  std::string from_tag;
  std::string from_full;  // whole From header value
  std::string to_display;
  UriParts to_uri;
  std::string to_tag;
  std::string to_full;  // whole To header value
  std::string call_id;
  std::string contact;  // first Contact header value, empty when absent
  std::string user_agent;
  std::vector<std::string> unknown_headers;  // "Name: value" for non-standard headers
  std::string content_type;
  std::string body;
};

// A hosted SIP account as scripts see it (sys.FromSIPAccount, GetSIPAccounts).
// Never carries secrets.
struct AccountView {
  std::string username;
  std::string domain;  // canonical domain
  std::string owner;   // customer username
  std::string out_dialplan;
  std::string in_dialplan;
  bool incoming_only = false;
  bool disabled = false;
  std::string description;
};

// One provider of the owner (sys.Providers). Never carries the password.
struct ProviderView {
  std::string name;  // never contains '.'
  std::string type = "sip";
  std::string server;  // ProviderServer, e.g. "sip:sip.blueface.ie"
  std::string username;
  std::string auth_username;
  std::string from_template;   // ProviderFrom
  std::string custom_headers;  // '|'-separated "Name: value"
  std::string outbound_proxy;
  bool register_enabled = false;
  bool read_only = false;
};

// A registrar binding (sys.GetBindings).
struct BindingView {
  std::string account;      // "user@domain"
  std::string contact_uri;  // as the UA registered it
  std::string mangled_uri;  // where requests go
  std::string user_agent;
  std::string remote;        // "ip:port" the REGISTER came from
  std::string transport;     // "udp", "tcp", "tls"
  std::int64_t expires = 0;  // absolute unix seconds
  std::int64_t updated = 0;  // unix seconds
};

// Per-execution limits. Defaults are SIPSorcery's; the Lua
// ones are ignored by other implementations.
struct ExecutionLimits {
  std::chrono::seconds initial_deadline{10};      // before the first Dial / extension
  std::chrono::seconds dial_grace{70};            // Dial: deadline = now + ring + grace
  std::chrono::seconds extend_grace{10};          // ExtendScriptTimeout(n): now + n + grace
  std::chrono::seconds absolute_deadline{300};    // from start, regardless of extensions
  int max_ring_seconds = 180;                     // ring <= 0 or above -> this
  std::size_t memory_bytes = 8u << 20;            // Lua heap cap per execution
  std::uint64_t instruction_budget = 20'000'000;  // VM instructions + calls, whole execution
  std::size_t max_log_lines = 2000;               // further Log lines are dropped (one notice)
  std::size_t max_log_bytes = 4096;               // one Log line is cut to this
};

struct CallContext {
  Direction direction = Direction::Out;
  std::string owner;          // customer username (sys.Username)
  std::string dialplan_name;  // sys.DialPlanName
  RequestView request;        // `req`
  // Out calls: the calling (authenticated) account; In calls: the CALLED
  // account (reference quirk, section 9). Absent for synthetic calls.
  std::optional<AccountView> from_account;
  std::vector<ProviderView> providers;  // the owner's providers (sys.Providers)
  // Second instance started by rm=n (docs/dialling.md): sys.Redirect == true and
  // the redirect target/response are preset.
  bool redirect = false;
  std::string redirect_uri;       // Contact URI of the 3xx
  std::string redirect_response;  // the whole 3xx response text
  // The owner's `transfer` plan run for a REFER or a call-control transfer
  // (docs/transfers.md): req.URI.User is the transfer target's user.
  bool transfer = false;
  std::string time_zone = "UTC";  // IANA name of the owner (sys.GetTimezone)
  int tz_offset_minutes = 0;      // owner's current UTC offset (os.date local time)
  // Wall time of the execution: real in the daemon, simulated in dialplan-test.
  // Deadlines use now(); os.time/os.date use unix_seconds(). Must not be null.
  const Clock* clock = nullptr;
  // Synchronous lookups (host.hpp). Null means "nothing exists" (NullHost).
  Host* host = nullptr;
  ExecutionLimits limits;
};

}  // namespace sip::dialplan
