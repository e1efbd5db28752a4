#include "sip/http/sipsorcery_json.hpp"

#include <cstdio>

#include "sip/base/civil_time.hpp"

namespace sip::http {
namespace {

using nlohmann::json;

std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t number(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

bool flag(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::string iso_s(std::int64_t unix_s) {
  return unix_s == 0 ? std::string() : iso8601_ms(unix_s * 1000);
}

}  // namespace

std::string iso8601_ms(std::int64_t unix_ms) {
  if (unix_ms == 0) return {};
  std::int64_t s = unix_ms / 1000, ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    --s;
  }
  std::int64_t days = s / 86400, rem = s % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const CivilDate d = civil_from_days(days);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(d.year), d.month, d.day, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                static_cast<long long>(ms));
  return buf;
}

json sipsorcery_account(const json& a) {
  return {{"ID", std::to_string(number(a, "id"))},
          {"SIPUsername", text(a, "username")},
          {"SIPDomain", text(a, "domain")},
          {"OutDialPlanName", text(a, "out_dialplan")},
          {"InDialPlanName", text(a, "in_dialplan")},
          {"IsIncomingOnly", flag(a, "incoming_only")},
          {"IsUserDisabled", flag(a, "disabled")},
          {"SendNATKeepAlives", text(a, "keepalive") != "none"},
          {"IPAddressACL", text(a, "ip_acl")},
          {"NetworkID", text(a, "network_id")},
          {"DontMangleEnabled", flag(a, "dont_mangle")},
          {"Description", text(a, "description")},
          {"Owner", text(a, "owner")},
          {"Inserted", iso_s(number(a, "created"))}};
}

json sipsorcery_provider(const json& p) {
  return {{"ID", std::to_string(number(p, "id"))},
          {"ProviderName", text(p, "name")},
          {"ProviderUsername", text(p, "username")},
          {"ProviderServer", text(p, "server")},
          {"ProviderAuthUsername", text(p, "auth_username")},
          {"ProviderOutboundProxy", text(p, "outbound_proxy")},
          {"ProviderType", text(p, "type")},
          {"ProviderFrom", text(p, "from")},
          {"CustomHeaders", text(p, "custom_headers")},
          {"RegisterEnabled", flag(p, "register_enabled")},
          {"RegisterContact", text(p, "register_contact")},
          {"RegisterExpiry", number(p, "register_expiry")},
          {"RegisterServer", text(p, "register_server")},
          {"RegisterRealm", text(p, "register_realm")},
          {"Owner", text(p, "owner")},
          {"Inserted", iso_s(number(p, "created"))}};
}

json sipsorcery_dialplan(const json& d) {
  return {{"ID", std::to_string(number(d, "id"))},
          {"DialPlanName", text(d, "name")},
          {"ScriptTypeDescription", text(d, "type")},
          {"Description", text(d, "description")},
          {"Owner", text(d, "owner")},
          {"Inserted", iso_s(number(d, "created"))},
          {"LastUpdate", iso_s(number(d, "updated"))}};
}

json sipsorcery_binding(const json& b) {
  const std::int64_t expires = number(b, "expires");
  return {{"ID", text(b, "contact_key")},
          {"SIPAccountID", std::to_string(number(b, "account_id"))},
          {"SIPAccountName", text(b, "account")},
          {"UserAgent", text(b, "user_agent")},
          {"ContactURI", text(b, "contact_uri")},
          {"MangledContactURI", text(b, "mangled_uri")},
          {"Expiry", number(b, "expires_in")},
          {"RemoteSIPSocket", text(b, "transport") + ":" + text(b, "remote")},
          {"RegistrarSIPSocket", text(b, "transport") + ":" + text(b, "local")},
          {"LastUpdate", iso_s(number(b, "updated"))},
          {"ExpiryTime", iso_s(expires)}};
}

json sipsorcery_cdr(const json& c) {
  const std::string dir = text(c, "direction");
  return {{"ID", text(c, "id")},
          {"Inserted", iso8601_ms(number(c, "inserted"))},
          {"CallDirection", dir == "in"    ? "In"
                            : dir == "out" ? "Out"
                                           : dir},
          {"Created", iso8601_ms(number(c, "created"))},
          {"Dst", text(c, "dst_user")},
          {"DstHost", text(c, "dst_host")},
          {"DstURI", text(c, "dst_uri")},
          {"FromUser", text(c, "from_user")},
          {"FromName", text(c, "from_name")},
          {"FromHeader", text(c, "from_header")},
          {"CallId", text(c, "call_id")},
          {"LocalSocket", text(c, "local_socket")},
          {"RemoteSocket", text(c, "remote_socket")},
          {"BridgeId", text(c, "bridge_id")},
          {"InProgressTime", iso8601_ms(number(c, "progress_at"))},
          {"InProgressStatus", number(c, "progress_status")},
          {"InProgressReason", text(c, "progress_reason")},
          {"RingDuration", number(c, "ring_duration")},
          {"AnsweredTime", iso8601_ms(number(c, "answered_at"))},
          {"AnsweredStatus", number(c, "answer_status")},
          {"AnsweredReason", text(c, "answer_reason")},
          {"Duration", number(c, "talk_duration")},
          {"HungupTime", iso8601_ms(number(c, "hungup_at"))},
          {"HungupReason", text(c, "hangup_reason")},
          // sipsmith's own: the account (or provider) and dial plan of the leg.
          {"Account", text(c, "account")},
          {"DialPlan", text(c, "dialplan")},
          {"Owner", text(c, "owner")}};
}

json sipsorcery_call(const json& c) {
  const std::string dir = text(c, "direction");
  return {{"ID", std::to_string(number(c, "id"))},
          {"Owner", text(c, "owner")},
          {"CallId", text(c, "call_id")},
          {"BridgeId", text(c, "bridge_id")},
          {"Direction", dir == "in"    ? "In"
                        : dir == "out" ? "Out"
                                       : dir},
          {"Inserted", iso8601_ms(number(c, "created"))},
          // The caller's side: its From; our side: what it dialled; the
          // far end once answered: the answering leg's request-URI.
          {"RemoteUserField", text(c, "from")},
          {"LocalUserField", text(c, "request_uri")},
          {"RemoteTarget", text(c, "answered_by")},
          // sipsmith's own: the account, dial plan, state and answer time.
          {"Account", text(c, "account")},
          {"DialPlan", text(c, "dialplan")},
          {"State", text(c, "state")},
          {"AnsweredTime", iso8601_ms(number(c, "answered_at"))},
          {"Legs", number(c, "legs")}};
}

json sipsorcery_provider_binding(const json& s) {
  const std::int64_t until = number(s, "registered_until");
  const std::int64_t expires = number(s, "expires");
  const std::string state = text(s, "state");
  return {{"ID", std::to_string(number(s, "provider_id"))},
          {"ProviderID", std::to_string(number(s, "provider_id"))},
          {"ProviderName", text(s, "name")},
          {"RegistrationFailureMessage", text(s, "reason")},
          {"LastRegisterTime", until > 0 ? iso_s(until - expires) : std::string()},
          {"NextRegistrationTime", iso_s(number(s, "next_attempt"))},
          {"IsRegistered", state == "registered"},
          {"BindingExpiry", expires},
          {"BindingURI", text(s, "contact")},
          {"RegistrarSIPSocket", text(s, "target")},
          // sipsmith's own: the binding's state and its owner.
          {"State", state},
          {"Owner", text(s, "owner")}};
}

}  // namespace sip::http
