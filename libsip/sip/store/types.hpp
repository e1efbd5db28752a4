// Plain records of the provisioning store (customers, domains, SIP accounts,
// registrar bindings). Values only: no I/O, no JSON; the store module reads
// and writes them, the control/HTTP edges convert them to JSON. Times are unix
// seconds (UTC). Ids are assigned by the store (0 = not stored yet).
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
  std::string api_key;            // 64 hex chars, unique; used by the HTTP API (later)
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
};

}  // namespace sip::store
