// Identifiers that must be unguessable: tags, branches, Call-IDs, nonces.
// Bytes come from the kernel CSPRNG (getrandom(2)) through a small
// thread-local pool, so each call is cheap and needs no lock.
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sip {

// Fills `out` with CSPRNG bytes. Aborts the process if the kernel source
// fails (there is no safe fallback for identifiers that guard dialogs).
void random_bytes(std::span<std::uint8_t> out) noexcept;

// `n` characters from [0-9a-zA-Z], uniformly distributed.
std::string random_token(std::size_t n);

// From/To tag: 16 alphanumeric characters (~95 bits).
std::string make_tag();
// Via branch: "z9hG4bK" + 22 alphanumeric characters (~131 bits).
std::string make_branch();
// Call-ID: 24 alphanumeric characters, "@host" appended when host is given.
std::string make_call_id(std::string_view host = {});

inline constexpr std::string_view kBranchCookie = "z9hG4bK";

}  // namespace sip
