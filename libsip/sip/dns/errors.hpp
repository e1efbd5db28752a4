// Outcomes of a failed DNS resolution. sip::Errc has no DNS codes, so every
// resolver Error carries Errc::not_found (Errc::bad_uri for unusable input)
// plus one of the static details below; failure_of() maps it back.
// Thread-safety: pure functions over plain values.
#pragma once

#include <cstdint>

#include "sip/base/result.hpp"

namespace sip::dns {

enum class Failure : std::uint8_t {
  None,           // not a resolver error
  NameError,      // NXDOMAIN: the name does not exist
  NoRecords,      // the names exist but yield no usable target
  Timeout,        // no server answered in time (transient)
  ServerFailure,  // SERVFAIL, REFUSED, unreachable server ... (transient)
  Overloaded,     // too many outstanding lookups on this resolver
  BadInput,       // not a sip/sips URI, unsupported transport, bad name
};

const char* failure_name(Failure f) noexcept;  // "name_error", "timeout" ...
// A resolver error for `f` (Errc::not_found or Errc::bad_uri + detail).
Error make_failure(Failure f) noexcept;
// The Failure an Error stands for; Failure::None if it is not ours.
Failure failure_of(const Error& e) noexcept;
// True for failures worth retrying later (Timeout, ServerFailure, Overloaded).
constexpr bool is_transient(Failure f) noexcept {
  return f == Failure::Timeout || f == Failure::ServerFailure || f == Failure::Overloaded;
}

}  // namespace sip::dns
