// SDP NAT mangling of the call manager (docs/private-addresses.md): a private
// c= address (sdp::is_private_address) that differs from the sender's source
// address is replaced by the source address in every c= and a=rtcp line.
// Ports and o= are never changed. Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sip::b2bua {

// The rewritten body, or nullopt when nothing changes (not SDP, unparsable,
// no private address, or the address already equals `source_ip`).
std::optional<std::string> mangle_sdp(std::string_view content_type, std::string_view body,
                                      std::string_view source_ip);

// `body` with every a=sendonly, a=recvonly and a=inactive line made
// a=sendrecv (a transferee on hold is offered to the new party as active).
std::string sendrecv_sdp(std::string_view body);

}  // namespace sip::b2bua
