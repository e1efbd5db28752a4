// The digest algorithms a server challenges with, in order of preference
// (the order of the WWW-Authenticate / Proxy-Authenticate headers). A server
// here keeps one HA1 per hash for MD5 and SHA-256 only, so those are the
// only names allowed. Used by the config, the store (per-account setting)
// and the registrar. Thread-safety: pure functions over plain values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sip/auth/digest.hpp"
#include "sip/base/result.hpp"

namespace sip::auth {

using AlgorithmList = std::vector<Algorithm>;

// True for MD5 and SHA-256 (the algorithms a stored HA1 can verify).
bool server_supports(Algorithm a) noexcept;

// Parses a comma separated list ("MD5, sha-256"), names case-insensitive,
// spaces around names ignored. Errc::bad_value (offset = byte of the bad
// name) for an empty list, an empty or unknown name, an algorithm the
// server cannot verify, or a name given twice.
Result<AlgorithmList> parse_server_algorithms(std::string_view text);
// Checks a list already split into names (a JSON array) the same way.
Result<AlgorithmList> server_algorithms_from(const std::vector<std::string>& names);
// "MD5,SHA-256": canonical names, comma separated, in order.
std::string server_algorithms_text(const AlgorithmList& list);

}  // namespace sip::auth
