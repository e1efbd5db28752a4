// Plain records of the provisioning store (customers, domains, SIP accounts,
// registrar bindings, SIP providers, dial plans, CDRs). Values only: no I/O, no JSON; the store
// module reads and writes them, the control/HTTP edges convert them to JSON. Times are unix seconds
// (UTC). Ids are assigned by the store (0 = not stored yet).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sip::store {

using Id = std::int64_t;

struct Customer {
  Id id = 0;
  std::string username;           // [a-z0-9_.-]{3,64}, unique, case-insensitive
  std::string password_hash;      // auth::hash_password() format; never the password
  std::string api_key;            // 64 hex chars, unique; the HTTP API's API key
  std::string time_zone = "UTC";  // IANA name, e.g. "Europe/Dublin"
  int max_executions = 5;         // concurrent dial plan executions
  int max_accounts = 50;          // SIP accounts this customer may own
  bool admin = false;
  bool disabled = false;
  std::int64_t created = 0;
};

// A served SIP domain. Aliases are other host names for the same domain; the
// alias "local" conventionally points at the default domain.
struct Domain {
  Id id = 0;
  std::string name;  // lower case host name, unique across names and aliases
  std::vector<std::string> aliases;
  Id owner_id = 0;  // 0 = operator's domain open to every customer
  std::int64_t created = 0;
};

enum class KeepAliveMode : std::uint8_t { Crlf, Options, None };

// A SIP account (the SIPSorcery SIPAccount fields). Digest secrets are stored
// as HA1 values for realm = domain, never as the password itself.
struct SipAccount {
  Id id = 0;
  Id owner_id = 0;           // the customer
  std::string username;      // unique per domain, case-insensitive
  std::string domain;        // canonical domain name (a Domain::name)
  std::string ha1_md5;       // hex MD5(username:domain:password); empty = none
  std::string ha1_sha256;    // hex SHA-256(username:domain:password); empty = none
  std::string out_dialplan;  // dial plan run for calls this account makes
  std::string in_dialplan;   // dial plan run for calls to this account
  bool incoming_only = false;
  bool disabled = false;
  KeepAliveMode keepalive = KeepAliveMode::Crlf;
  std::string ip_acl;        // comma separated CIDRs; a match skips digest auth
  bool dont_mangle = false;  // keep private Contact/SDP addresses as they are
  std::string network_id;    // accounts sharing a non-empty id are on one LAN
  // Digest algorithms the server challenges this account with, in order,
  // canonical names comma separated ("SHA-256" requires SHA-256,
  // "SHA-256,MD5" prefers it); empty = the server's setting.
  std::string digest_algorithms;
  std::string description;
  std::int64_t created = 0;
};

// A registrar binding (RFC 3261 10.3), keyed by (account_id, contact_key).
struct Binding {
  Id account_id = 0;
  std::string contact_key;  // +sip.instance when present, else the contact URI
  std::string contact_uri;  // as the UA sent it (without expires/q params)
  std::string mangled_uri;  // where requests go (public source when NATed); may equal contact_uri
  std::string instance_id;  // +sip.instance value, empty when absent
  std::string user_agent;   // truncated to 128 bytes
  std::string call_id;
  std::uint32_t cseq = 0;
  float q = 1.0f;
  std::string transport;        // "udp", "tcp", "tls"
  std::string remote;           // source "ip:port" ([v6]:port) of the REGISTER
  std::string local;            // our socket "ip:port" it arrived on
  std::int64_t registered = 0;  // first registration
  std::int64_t updated = 0;     // last refresh
  std::int64_t expires = 0;     // absolute expiry time
  // The daemon that took the registration and holds its flow (config
  // "node"); empty: the store's own node is written (Store::set_node).
  std::string node;
};

// A SIP provider (ITSP) account of a customer (SIPSorcery SIPProvider fields,
// SIPSorcery's provider fields). The password is kept in clear: the daemon must
// answer the provider's digest challenges with it; it never leaves through
// list/get (control shows "password_set"), only through `export`.
struct Provider {
  Id id = 0;
  Id owner_id = 0;
  std::string name;            // unique per owner, case-insensitive, no '.', [A-Za-z0-9_-]{1,64}
  std::string type = "sip";    // "sip" only for now
  std::string server;          // ProviderServer: "sip:sip.example.com[:port][;transport=tcp]"
  std::string username;        // ProviderUsername (also the default From user)
  std::string password;        // ProviderPassword
  std::string auth_username;   // ProviderAuthUsername; empty = username
  std::string outbound_proxy;  // ProviderOutboundProxy: "sip:host[:port]" or empty
  std::string from_template;  // ProviderFrom, e.g. "\"Joe\" <sip:joe@example.com>"; empty = default
  std::string custom_headers;  // '|'-separated "Name: value" added to every call
  bool register_enabled = false;
  std::string register_contact;  // RegisterContact
  int register_expiry = 3600;    // 60..86400
  std::string register_server;   // empty = server
  std::string register_realm;    // empty = registrar host
  bool read_only = false;
  std::int64_t created = 0;
};

// The provider registration agent's last known state of one provider's
// binding (sipproxyd writes it on every change; `sipctl provider status`
// answers from memory). `fingerprint` (hex) identifies the provider row the
// state belongs to: a "disabled" state is kept across restarts only while
// the row is unchanged. Times are unix seconds; 0 = none.
struct ProviderBindingState {
  Id provider_id = 0;
  std::string state;  // "disabled", "registering", "authenticating", "registered", "failed", ...
  std::string reason;
  std::int64_t registered_until = 0;
  std::int64_t next_attempt = 0;
  std::int64_t attempts = 0;
  std::string fingerprint;
  std::string contact;
  std::int64_t updated = 0;
};

// A stored dial plan. `type` is "lua", "wizard" (JSON rules) or "dialstring"
// (the whole source is one dial string). Validated on save.
struct DialPlan {
  Id id = 0;
  Id owner_id = 0;
  std::string name;  // unique per owner, case-insensitive, [A-Za-z0-9_.-]{1,64}
  std::string type = "lua";
  std::string source;
  std::string description;
  std::int64_t created = 0;
  std::int64_t updated = 0;  // unix seconds of the last change (plan caches key on it)
};

// One call leg (SIPSorcery's CDR fields). The caller's
// leg into the server has direction "in", every leg the server places "out";
// legs of one call share `bridge_id`. Times are unix MILLISECONDS; 0 = did
// not happen. Written (upserted by id) when the leg is created, when it is
// answered and when it ends.
struct Cdr {
  std::string id;         // 32 hex chars, unique
  Id owner_id = 0;        // customer (0 when the call had no owner)
  std::string account;    // "user@domain" of the account involved, or the provider's name
  std::string dialplan;   // dial plan name that placed/received the leg
  std::string direction;  // "in" or "out"
  std::int64_t created = 0;
  std::string dst_user;
  std::string dst_host;
  std::string dst_uri;
  std::string from_user;
  std::string from_name;
  std::string from_header;
  std::string call_id;
  std::string local_socket;   // "udp:127.0.0.1:5060"
  std::string remote_socket;  // "udp:127.0.0.1:5070"
  std::string bridge_id;
  std::int64_t progress_at = 0;  // the first provisional response (101..199)
  int progress_status = 0;
  std::string progress_reason;
  std::int64_t answered_at = 0;
  int answer_status = 0;  // final status of the leg (2xx, 4xx ...); 0 while none
  std::string answer_reason;
  std::int64_t hungup_at = 0;
  std::string hangup_reason;
  // Derived, whole seconds (rounded down): ring = answered_at - progress_at
  // (0 when either is missing); talk = hungup_at - answered_at. 0 while unknown.
  int ring_duration = 0;
  int talk_duration = 0;
  // Set by the store, ignored by upsert: when the record was first stored
  // (unix ms), and its place in the order in which records ended (1, 2, ...
  // in commit order, given once, when hungup_at first becomes non-zero; 0
  // while the leg runs). docs/cdr-export.md says why exports key on it.
  std::int64_t inserted = 0;
  std::int64_t final_seq = 0;
};

// The order of CdrRepository::scan/list.
enum class CdrOrder : std::uint8_t {
  NewestFirst,  // created DESC, id ASC (listings)
  OldestFirst,  // created ASC, id ASC (reports)
  FinalSeq,     // final_seq ASC: ended records in the order they ended (exports)
};

// Filter of CdrRepository::scan/list: the one description of a CDR query,
// shared by the control socket's cdr.list and the tools reading the file.
// Zero/empty fields do not filter; every given filter must match.
struct CdrQuery {
  Id owner_id = 0;
  std::string account;    // exact "user@domain" (or provider name)
  std::string direction;  // "in" or "out"
  std::string call_id;
  std::string bridge_id;
  std::int64_t since = 0;  // created >= since (ms)
  std::int64_t until = 0;  // created < until (ms)
  // answer_status within [status_min, status_max]; the default range is
  // every status. {0, 0}: no final response yet.
  int status_min = 0;
  int status_max = kAnyStatus;
  int min_talk = 0;         // talk_duration >= min_talk seconds
  bool ended_only = false;  // hungup_at != 0
  // Paging (keyset): with FinalSeq, final_seq > after_seq (and only ended
  // records); with the created orders, the rows after (after_created,
  // after_id) in that order, when after_id is not empty.
  std::int64_t after_seq = 0;
  std::int64_t after_created = 0;
  std::string after_id;
  CdrOrder order = CdrOrder::NewestFirst;
  std::size_t limit = 1000;  // 0 = no limit
  std::size_t offset = 0;    // rows skipped before the first returned (after the filters)

  static constexpr int kAnyStatus = 999;
};

}  // namespace sip::store
