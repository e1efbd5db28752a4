// Transaction matching (RFC 3261 17.1.3 and 17.2.3): the keys the layer's
// table is indexed by, and the RFC 2543 rules for requests whose top Via
// branch lacks the magic cookie. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sip/message/message.hpp"

namespace sip::txn {

// True for an RFC 3261 branch: the magic cookie followed by at least one more
// character. A bare "z9hG4bK" (RFC 4475 badbranch.dat) identifies nothing, so
// it is treated like a branch without the cookie (RFC 2543 matching).
bool is_rfc3261_branch(std::string_view branch) noexcept;

// 17.1.3: top Via branch + CSeq method (so a CANCEL and its INVITE differ).
std::string client_key(std::string_view branch, std::string_view method);
// 17.2.3: top Via branch + sent-by (host case-folded) + method, where the
// caller maps ACK (and a CANCEL looking for its INVITE) to "INVITE".
std::string server_key(const msg::Via& top_via, std::string_view method);
// RFC 2543 candidates share Call-ID, CSeq number and From tag.
std::string legacy_key(const msg::Message& request);

enum class LegacyRule : std::uint8_t {
  Same,    // a retransmission: same method and To tag as the original
  Ack,     // ACK for an INVITE: To tag of the response the server sent
  Cancel,  // CANCEL of an INVITE: the INVITE's To tag (9.2)
};

// RFC 2543 matching (17.2.3): Request-URI, From tag, Call-ID, CSeq number and
// top Via (sent-by and branch; received/rport are ignored) equal, plus the To
// tag and method per `rule`. `response_to_tag` is the To tag of the final
// response the server transaction sent (only used by LegacyRule::Ack).
bool legacy_match(const msg::Message& original, std::string_view response_to_tag,
                  const msg::Message& request, LegacyRule rule) noexcept;

}  // namespace sip::txn
