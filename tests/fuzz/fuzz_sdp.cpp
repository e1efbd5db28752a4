// fuzz_sdp: one libFuzzer input = one SDP body.
//
// What it checks:
//  * sdp::parse() never crashes or reads outside its input; a rejection has
//    code bad_sdp and an offset inside (or at the end of) the input;
//  * on success, serialize() output parses again and serialises to exactly
//    the same text (idempotence after one round), with the same number of
//    media sections;
//  * the helpers run on the parsed description: media_endpoints() (one entry
//    per m=), effective_connection(), parse_rtcp() on every a=rtcp,
//    find_attribute(), the address predicates on every c= address, and the
//    NAT rewriters (rewrite_connection / rewrite_rtcp_address /
//    set_media_port), whose result must still serialise to parsable SDP that
//    is again a serialisation fixed point.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/sdp/sdp.hpp"

namespace {

namespace sdp = sip::sdp;

volatile std::size_t g_sink = 0;
void sink(std::size_t v) {
  g_sink = g_sink + v;
}

// serialize -> parse -> serialize must be stable; returns the first text.
std::string check_fixed_point(const sdp::SessionDescription& sd) {
  const std::string s1 = sdp::serialize(sd);
  auto again = sdp::parse(s1);
  if (!again) __builtin_trap();  // our own output does not parse
  if (again->media.size() != sd.media.size()) __builtin_trap();
  if (sdp::serialize(*again) != s1) __builtin_trap();  // not idempotent after one round
  return s1;
}

void check_address(std::string_view a) {
  sink(static_cast<std::size_t>(sdp::is_ipv4_address(a)) +
       static_cast<std::size_t>(sdp::is_ipv6_address(a)) +
       static_cast<std::size_t>(sdp::is_private_address(a)));
}

void exercise_helpers(const sdp::SessionDescription& sd) {
  const auto endpoints = sdp::media_endpoints(sd);
  if (endpoints.size() != sd.media.size()) __builtin_trap();
  for (std::size_t i = 0; i < sd.media.size(); ++i) {
    const sdp::Media& m = sd.media[i];
    if (m.formats.empty()) __builtin_trap();  // parse() guarantees one format
    const sdp::Connection* c = sdp::effective_connection(sd, m);
    if (c != nullptr) {
      if (endpoints[i].address != c->address) __builtin_trap();
      check_address(c->address);
    }
    if (endpoints[i].port != m.port) __builtin_trap();
    for (const sdp::Attribute& a : m.attributes)
      if (a.name == "rtcp" && a.value)
        if (auto r = sdp::parse_rtcp(*a.value); r && r->connection)
          check_address(r->connection->address);
    sink(static_cast<std::size_t>(sdp::find_attribute(m.attributes, "sendrecv") != nullptr));
  }
  for (const sdp::Attribute& a : sd.attributes)
    if (a.name == "rtcp" && a.value)
      sink(static_cast<std::size_t>(sdp::parse_rtcp(*a.value).has_value()));
  if (sd.connection) check_address(sd.connection->address);
  check_address(sd.origin.address);
}

void exercise_rewrites(const sdp::SessionDescription& parsed) {
  for (bool ipv6 : {false, true}) {
    sdp::SessionDescription sd = parsed;
    const std::string_view addr = ipv6 ? "2001:db8::7" : "203.0.113.7";
    const std::size_t changed = sdp::rewrite_connection(sd, addr, ipv6);
    const std::size_t rtcp = sdp::rewrite_rtcp_address(sd, addr, ipv6);
    if (sdp::rewrite_connection(sd, addr, ipv6) != 0)
      __builtin_trap();  // second pass changes nothing
    if (!sd.media.empty() && !sdp::set_media_port(sd, 0, 40000)) __builtin_trap();
    if (sdp::set_media_port(sd, sd.media.size(), 1)) __builtin_trap();  // out of range
    // Garbage addresses are refused without changes.
    if (sdp::rewrite_connection(sd, "not-an-address", ipv6) != 0) __builtin_trap();
    check_fixed_point(sd);
    sink(changed + rtcp);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = sdp::parse(input);
  if (!parsed) {
    if (parsed.error().code != sip::Errc::bad_sdp || parsed.error().offset > size) __builtin_trap();
    return 0;
  }
  check_fixed_point(*parsed);
  exercise_helpers(*parsed);
  exercise_rewrites(*parsed);
  return 0;
}
