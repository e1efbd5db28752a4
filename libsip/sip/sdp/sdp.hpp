// SDP session descriptions (RFC 4566 / RFC 8866 syntax): parse, edit and
// serialise the v o s i u e p c b t r z k a m lines of an offer or answer,
// plus the helpers the B2BUA's NAT mangling and rtpdiag need (effective
// connection address per media, c= and a=rtcp rewriting, private addresses).
// SessionDescription owns all its strings (SDP is edited once per call, not
// per packet). Thread-safety: plain values; all functions are reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/result.hpp"

namespace sip::sdp {

// One "<type>=<value>" line kept verbatim (value without the line end).
struct Line {
  char type = 0;
  std::string value;
};

// A line for which the canonical order has no slot (an unknown type letter,
// a media-level u= or t=, a second media i= or k=). It is written right after
// the `after_count`-th line (1-based; clamped to the group's current size) of
// the canonical group `after` of its section: 's', 'i' (the i u e p lines),
// 'c', 'b', 't' (the t r z lines), 'k', 'a' for the session; 'm', 'i', 'c',
// 'b', 'k', 'a' for a media section. after_count == 0: before the group.
struct ExtraLine {
  Line line;
  char after = 's';
  std::size_t after_count = 1;
};

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>
struct Origin {
  std::string username;
  std::string session_id;
  std::string session_version;
  std::string nettype;
  std::string addrtype;
  std::string address;
};

// c=<nettype> <addrtype> <address><suffix>. For addrtype IP4 (IP6) the
// address is a dotted quad (IPv6 literal) without the multicast suffix
// "/ttl[/count]" ("/count"), which is kept apart in `suffix` as written.
struct Connection {
  std::string nettype = "IN";
  std::string addrtype = "IP4";
  std::string address;
  std::string suffix;
};

// a=<name>[:<value>]. value is empty-optional for a property attribute
// ("a=sendrecv") and an empty string for "a=name:".
struct Attribute {
  std::string name;
  std::optional<std::string> value;
};

// One m= section and the lines that follow it up to the next m=.
struct Media {
  std::string media;  // "audio", "video", ...
  std::uint16_t port = 0;
  std::optional<std::uint16_t> port_count;  // "49170/2" -> 2
  std::string proto;                        // "RTP/AVP", "UDP/TLS/RTP/SAVPF"
  std::vector<std::string> formats;         // at least one after parse()
  std::optional<std::string> title;         // i=
  std::optional<Connection> connection;     // c=
  std::vector<std::string> bandwidths;      // b= values, e.g. "AS:64"
  std::optional<std::string> key;           // k=
  std::vector<Attribute> attributes;        // a= in order
  std::vector<ExtraLine> extra;             // anything else, positioned
};

struct SessionDescription {
  std::uint32_t version = 0;             // v= (parse() accepts only 0)
  Origin origin;                         // o=
  std::string session_name;              // s=
  std::vector<Line> descriptions;        // i= u= e= p= lines in order
  std::optional<Connection> connection;  // session-level c=
  std::vector<std::string> bandwidths;   // b= values
  std::vector<Line> times;               // t= r= z= lines in order
  std::optional<std::string> key;        // k=
  std::vector<Attribute> attributes;     // session-level a= in order
  std::vector<Media> media;              // m= sections in order
  std::vector<ExtraLine> extra;          // session-level lines of other types
};

// Parses an SDP body. Accepts CRLF or bare LF line ends, a missing final line
// end and trailing empty lines. Rejects (Errc::bad_sdp, offset = start of the
// bad line, or the input size when a required line is missing): empty input;
// a first line other than "v=0"; o= and s= not being lines 2 and 3, or
// appearing again; a line not "<a-z>=<value>" or containing CR or NUL; an
// empty line followed by more lines; o= without 6 fields; c= without 3 fields,
// with a bad IP4 (dotted quad[/ttl[/count]]) or IP6 address, or a second c=
// in one section; m= not "media port[/count] proto fmt..." with port 0-65535.
// Never reads outside `body`; throws nothing but std::bad_alloc.
Result<SessionDescription> parse(std::string_view body);

// Writes the description with CRLF line ends in canonical order (v o s i u e
// p c b t r z k a, then per media m i c b k a; extra lines at their anchors).
// serialize(parse(x)) == x for well-formed CRLF SDP in canonical order.
std::string serialize(const SessionDescription& sd);

// Media c= if present, else session c=, else nullptr. `m` must be an element
// of sd.media (or any Media: only its own connection is consulted).
const Connection* effective_connection(const SessionDescription& sd, const Media& m) noexcept;

// Where the RTP of one m= line is expected to go.
struct MediaEndpoint {
  std::string address;     // effective c= address; empty when there is none
  std::string addrtype;    // "IP4", "IP6", ...; empty when there is none
  std::uint16_t port = 0;  // 0: stream disabled
  std::string media;
};
// One entry per m= line, in order (indices match sd.media).
std::vector<MediaEndpoint> media_endpoints(const SessionDescription& sd);

// Rewrites the session c= and every media c= to "IN IP4|IP6 new_addr" (and
// drops any multicast suffix). Returns how many c= lines changed. Lines whose
// address is unspecified (0.0.0.0 or ::, the old "hold" idiom) and lines
// already equal are left alone and not counted. o= is deliberately NOT
// changed (like SIPSorcery): it identifies the session, not the media path.
// new_addr must be a dotted quad (ipv6 == false) or an IPv6 literal; when it
// is not, nothing is changed and 0 is returned.
std::size_t rewrite_connection(SessionDescription& sd, std::string_view new_addr, bool ipv6);

// a=rtcp:<port> [<nettype> <addrtype> <address>] (RFC 3605).
struct Rtcp {
  std::uint16_t port = 0;
  std::optional<Connection> connection;
};
// Parses an a=rtcp value; nullopt when malformed.
std::optional<Rtcp> parse_rtcp(std::string_view value);
// Rewrites the address of every a=rtcp (session or media level) that carries
// one, with the same rules and result as rewrite_connection(). a=rtcp with a
// port only, or malformed, are left alone.
std::size_t rewrite_rtcp_address(SessionDescription& sd, std::string_view new_addr, bool ipv6);

// Sets the port of sd.media[index]; false (and no change) when out of range.
bool set_media_port(SessionDescription& sd, std::size_t index, std::uint16_t port) noexcept;

// First attribute named `name` (case-sensitive, as RFC 4566), or nullptr.
const Attribute* find_attribute(const std::vector<Attribute>& attrs,
                                std::string_view name) noexcept;

// Address literal checks: IPv4 dotted quad (each part 1-3 digits, <= 255);
// IPv6 per RFC 4291 text form (with "::" and an optional trailing quad).
bool is_ipv4_address(std::string_view s) noexcept;
bool is_ipv6_address(std::string_view s) noexcept;

// True for the addresses the server treats as private (a UA announcing one
// is reached at its packets' source instead; docs/private-addresses.md):
// 10/8, 172.16/12, 192.168/16, 127.0.0.1, fc00::/7, fe80::/10, ::1, and
// IPv4-mapped IPv6 (::ffff:a.b.c.d) of those. False for 169.254/16,
// 100.64/10, the rest of 127/8, public and unspecified (0.0.0.0, ::)
// addresses, hostnames and garbage.
bool is_private_address(std::string_view s) noexcept;

}  // namespace sip::sdp
