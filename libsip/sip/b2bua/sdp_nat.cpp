#include "sip/b2bua/sdp_nat.hpp"

#include "sip/base/ci.hpp"
#include "sip/sdp/sdp.hpp"

namespace sip::b2bua {

std::optional<std::string> mangle_sdp(std::string_view content_type, std::string_view body,
                                      std::string_view source_ip) {
  if (body.empty() || source_ip.empty()) return std::nullopt;
  // "application/sdp" possibly with parameters.
  const auto semi = content_type.find(';');
  std::string_view type = content_type.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (!ci_equal(type, "application/sdp")) return std::nullopt;
  auto sd = sdp::parse(body);
  if (!sd) return std::nullopt;
  bool private_seen = false;
  for (const auto& ep : sdp::media_endpoints(*sd))
    if (!ep.address.empty() && ep.address != source_ip && sdp::is_private_address(ep.address))
      private_seen = true;
  if (!private_seen) return std::nullopt;
  const bool v6 = sdp::is_ipv6_address(source_ip);
  if (sdp::rewrite_connection(*sd, source_ip, v6) == 0) return std::nullopt;
  (void)sdp::rewrite_rtcp_address(*sd, source_ip, v6);
  return sdp::serialize(*sd);
}

std::string sendrecv_sdp(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  while (!body.empty()) {
    const auto nl = body.find('\n');
    std::string_view line = body.substr(0, nl == std::string_view::npos ? body.size() : nl + 1);
    body.remove_prefix(line.size());
    std::string_view bare = line;
    while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r')) bare.remove_suffix(1);
    if (bare == "a=sendonly" || bare == "a=recvonly" || bare == "a=inactive") {
      out += "a=sendrecv";
      out += line.substr(bare.size());
    } else {
      out += line;
    }
  }
  return out;
}

}  // namespace sip::b2bua
