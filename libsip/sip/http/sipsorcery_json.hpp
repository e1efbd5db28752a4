// The control commands' records (snake_case, docs/control-protocol.md) in the
// field names of the SIPSorcery provisioning service (SIPAccountJSON,
// CDRJSON ...): the one mapping the compatible endpoints use. Times become
// ISO-8601 UTC strings ("" when the event did not happen). Secrets are never
// present (the commands do not return them). Thread-safety: pure functions.
// Only http .cpp files include this header (it pulls JSON).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace sip::http {

// "2026-12-07T21:57:57.123Z" from unix milliseconds; "" for 0.
std::string iso8601_ms(std::int64_t unix_ms);

nlohmann::json sipsorcery_account(const nlohmann::json& account);
nlohmann::json sipsorcery_provider(const nlohmann::json& provider);
nlohmann::json sipsorcery_dialplan(const nlohmann::json& dialplan);
nlohmann::json sipsorcery_binding(const nlohmann::json& binding);
nlohmann::json sipsorcery_cdr(const nlohmann::json& cdr);
// A call in progress (call.list) as SIPSorcery's dialogue record.
nlohmann::json sipsorcery_call(const nlohmann::json& call);
// A provider registration (provider.status) as SIPProviderBindingJSON.
nlohmann::json sipsorcery_provider_binding(const nlohmann::json& status);

}  // namespace sip::http
