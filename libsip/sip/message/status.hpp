// Default reason phrases for SIP status codes (RFC 3261 section 21 and the
// extensions sipsmith answers with). Thread-safety: pure function.
#pragma once

#include <string_view>

namespace sip::msg {

// "Not Found" for 404; a class phrase ("Client Error") for unknown codes.
std::string_view reason_phrase(int status) noexcept;

}  // namespace sip::msg
