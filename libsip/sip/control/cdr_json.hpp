// CDRs and CDR queries as JSON on the control socket (cdr.list): the one
// mapping both ends use, so a tool reading the daemon and a tool reading the
// store file see the same records and ask the same questions. Field names
// are the store's (snake_case); times are unix milliseconds (0 = did not
// happen). Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sip/store/types.hpp"

namespace sip::control {

// The record as cdr.list returns it; `owner` is the owner's username.
nlohmann::json cdr_to_json(const store::Cdr& c, const std::string& owner);
// Back from that shape: missing fields read 0/"" (an older daemon).
store::Cdr cdr_from_json(const nlohmann::json& j);

// The largest page cdr.list returns, and its default.
inline constexpr int kCdrMaxLimit = 10000;
inline constexpr int kCdrDefaultLimit = 100;

// The cdr.list params asking `q` (owner_id is not sent: `owner` names the
// customer, "" for any). q.limit must be 1..kCdrMaxLimit.
nlohmann::json cdr_query_params(const store::CdrQuery& q, const std::string& owner);
// The query those params ask, and the owner's username in `owner` ("" for
// any; the caller resolves it). Throws CommandFailure (invalid_argument,
// naming the field) on unknown fields and bad values.
store::CdrQuery cdr_query_from_params(const nlohmann::json& params, std::string& owner);

}  // namespace sip::control
