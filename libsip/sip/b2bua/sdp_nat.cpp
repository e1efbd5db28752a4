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

namespace {

// The o= line of `body` (without its line end), or empty.
std::string_view origin_line(std::string_view body, std::size_t* at) {
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto nl = body.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? body.size() : nl;
    std::string_view line = body.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > 2 && line[0] == 'o' && line[1] == '=') {
      *at = pos;
      return line;
    }
    pos = end + 1;
  }
  return {};
}

// Splits "o=user id version rest" into its first three fields and the rest.
bool split_origin(std::string_view line, std::string_view f[3], std::string_view* rest) {
  line.remove_prefix(2);
  for (int i = 0; i < 3; ++i) {
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0) return false;
    f[i] = line.substr(0, sp);
    line.remove_prefix(sp + 1);
  }
  *rest = line;
  return true;
}

}  // namespace

std::optional<SdpOrigin> sdp_origin(std::string_view body) {
  std::size_t at = 0;
  const std::string_view line = origin_line(body, &at);
  std::string_view f[3], rest;
  if (line.empty() || !split_origin(line, f, &rest)) return std::nullopt;
  SdpOrigin o;
  o.user = std::string(f[0]);
  o.session = std::string(f[1]);
  for (char c : f[2]) {
    if (c < '0' || c > '9' || o.version > (UINT64_MAX - 9) / 10) return std::nullopt;
    o.version = o.version * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return o;
}

std::string continue_origin(OriginContinuity& state, std::string_view body) {
  std::size_t at = 0;
  const std::string_view line = origin_line(body, &at);
  std::string_view f[3], rest;
  if (line.empty() || !split_origin(line, f, &rest)) return std::string(body);
  if (body != state.last) {
    state.last = std::string(body);
    ++state.origin.version;
  }
  std::string out;
  out.reserve(body.size() + 16);
  out.append(body.substr(0, at));
  out += "o=" + state.origin.user + " " + state.origin.session + " " +
         std::to_string(state.origin.version) + " ";
  out.append(rest);
  out.append(body.substr(at + line.size()));
  return out;
}

}  // namespace sip::b2bua
