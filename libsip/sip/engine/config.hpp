// sipproxyd's server configuration: the parsed form of the JSON config file
// (comments allowed). Plain values, no JSON types, so the engine header stays
// light. Relative paths in the file are resolved against the file's directory.
// Loading throws nothing: errors come back as bad_config with a message that
// names the field (config_error_text()).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "sip/b2bua/call_manager.hpp"
#include "sip/base/log.hpp"
#include "sip/base/result.hpp"
#include "sip/http/options.hpp"
#include "sip/http/web_fetcher.hpp"
#include "sip/policy/flood_guard.hpp"
#include "sip/policy/source_guard.hpp"
#include "sip/provreg/agent.hpp"
#include "sip/registrar/registrar.hpp"
#include "sip/store/pg_store.hpp"
#include "sip/store/sqlite_store.hpp"
#include "sip/transport/transport_layer.hpp"

namespace sip::engine {

struct ControlConfig {
  std::string socket = "sipproxyd.sock";
  unsigned mode = 0600;  // permissions of the socket file
};

struct ServerConfig {
  std::string source_path;  // the file it was read from (empty: built-in defaults)
  transport::TransportConfig transport;
  std::vector<std::string> domains;  // operator domains, created in the store when missing
  std::string default_domain;        // "local" alias target (default: first domain)
  // This daemon's name among those sharing a PostgreSQL store: written on
  // every binding it takes (default: the host name).
  std::string node;
  store::SqliteOptions store;
  // "store.url": PostgreSQL instead of the SQLite file at store.path when
  // postgres.url is set (docs/postgresql.md), with its timeouts.
  store::PgOptions postgres;
  // Write queue bound (jobs not yet committed); beyond it writes fail at once
  // (REGISTER gets 500, a CDR batch is dropped with a log line).
  std::size_t store_max_queue = 100000;
  // PostgreSQL only: a write batch the database has not answered within this
  // is treated as an outage (its writes acknowledged, kept and replayed), so a
  // hung server delays answers this long, not a query_timeout. 0: wait for the
  // deadline. SQLite always waits for its commit.
  std::chrono::milliseconds store_ack_timeout{1000};
  // Group commit: how long the writer waits for more binding changes before
  // committing (fewer, larger transactions; REGISTER answers wait as long).
  // 3 ms cut CPU per registration by 10-20% at 800-6000 REGISTER/s.
  std::chrono::milliseconds commit_linger{3};
  // CDRs collect on the core thread this long and go to the writer as one
  // job (a leg that starts and ends within it is written once). Bounds what
  // a crash can lose, together with commit_linger.
  std::chrono::milliseconds cdr_flush{20};
  // Registrar refreshes that only move a binding's expiry are answered at
  // once and written behind, batched on the core thread this long (0: they
  // write through like every other binding change, the 200 OK waiting for
  // the commit). A crash loses at most this window's refreshes plus what the
  // writer had not committed; those bindings come back with their previous
  // expiry. New, changed and removed bindings always write through.
  std::chrono::milliseconds refresh_flush{1000};
  ControlConfig control;
  // The HTTP API (docs/http-api.md); off unless the file's "http" section
  // gives a bind address. SIGHUP applies every field.
  http::Options http;
  registrar::Config registrar;
  // Source blocking ("security"): `max_failures` failed authentications
  // (REGISTER or INVITE digest, unknown user, forged nonce) from one source
  // within `failure_window` block it for `block_for`; a blocked source's
  // requests get 403 "Blocked", or nothing when `block_silently`.
  // max_failures 0 disables.
  policy::SourceGuardConfig security;
  bool block_silently = false;
  // Per-source request rate limit before parsing ("flood";
  // policy/flood_guard.hpp, docs/security.md).
  policy::FloodConfig flood;
  std::chrono::seconds nonce_lifetime{300};
  LogLevel log_level = LogLevel::Info;
  b2bua::Config b2bua;                   // calls: CDRs, caps
  http::WebGetConfig webget;             // b2bua.webget: sys.WebGet (off: no URLs allowed)
  std::vector<std::string> nameservers;  // DNS for call legs; empty = /etc/resolv.conf
  // Provider registrations ("provider_registration"): start pacing and the
  // retry policy (docs/provider-registrations.md).
  bool provider_registration_enabled = true;
  provreg::AgentConfig provider_registration;
};

// Parses config text. `base_dir` resolves relative paths. On error the
// Error's detail is static; the full message (field name, JSON position) is
// written to `*message` when given.
Result<ServerConfig> parse_config(std::string_view text, const std::string& base_dir,
                                  std::string* message = nullptr);
// Reads and parses a file.
Result<ServerConfig> load_config(const std::string& path, std::string* message = nullptr);
// The built-in demo defaults (UDP+TCP on 127.0.0.1:5060, domain
// sipsmith.test, store and socket in `dir`).
ServerConfig default_config(const std::string& dir);
// What the daemon logs and reports as its store: the SQLite path, or the
// PostgreSQL URL with the password masked.
std::string store_description(const ServerConfig& config);
// The config as JSON text (for --check-config and the demo script).
std::string config_to_json(const ServerConfig& config);

}  // namespace sip::engine
