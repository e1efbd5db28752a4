// SDP NAT mangling of the call manager (docs/private-addresses.md): a private
// c= address (sdp::is_private_address) that differs from the sender's source
// address is replaced by the source address in every c= and a=rtcp line.
// Ports and o= are never changed. Pure function; thread-safe.
#pragma once

#include <cstdint>
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

// The identity of an SDP o= line (RFC 4566 5.2): username, session id and
// version (the network fields stay as the sender wrote them).
struct SdpOrigin {
  std::string user;
  std::string session;
  std::uint64_t version = 0;
};
// The o= line of `body`, or nullopt (none, or not "o=user id version ...").
std::optional<SdpOrigin> sdp_origin(std::string_view body);

// What a party whose partner changed has seen from us (b2bua transfers,
// joins, Replaces): every later session sent to it keeps that username and
// session id, its version going up by one per changed description (RFC
// 3264 8), so a phone sees one continuous session.
struct OriginContinuity {
  SdpOrigin origin;
  std::string last;  // the last description sent under it, as its sender wrote it
};
// `body` as the party with `state` is to get it: o= rewritten (a body
// without an o= line is returned as it is).
std::string continue_origin(OriginContinuity& state, std::string_view body);

}  // namespace sip::b2bua
