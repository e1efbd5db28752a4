#include "sip/dialplan/call_context.hpp"

#include "sip/base/ci.hpp"
#include "sip/uri/uri.hpp"

namespace sip::dialplan {

UriParts split_uri(std::string_view text) {
  UriParts parts;
  // Accept "<sip:...>" and trim white space around it.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.size() >= 2 && text.front() == '<' && text.back() == '>') {
    text = text.substr(1, text.size() - 2);
  }
  parts.full = std::string(text);
  auto parsed = uri::parse_uri(text);
  if (parsed && (parsed->is_sip() || parsed->scheme == uri::Scheme::Tel)) {
    parts.scheme = uri::scheme_name(parsed->scheme);
    parts.user = std::string(parsed->user);
    parts.host = std::string(parsed->host);
    parts.port = parsed->has_port ? parsed->port : 0;
    parts.params = std::string(parsed->params);
    return parts;
  }
  // Relaxed "user@host[:port][;params]" without a scheme.
  std::string_view rest = text;
  if (ci_starts_with(rest, "sip:")) rest.remove_prefix(4);
  if (ci_starts_with(rest, "sips:")) rest.remove_prefix(5);
  if (auto semi = rest.find(';'); semi != std::string_view::npos) {
    parts.params = std::string(rest.substr(semi));
    rest = rest.substr(0, semi);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    parts.user = std::string(rest.substr(0, at));
    rest = rest.substr(at + 1);
  }
  if (auto colon = rest.rfind(':');
      colon != std::string_view::npos && rest.find(']') == rest.npos) {
    unsigned port = 0;
    bool digits = colon + 1 < rest.size();
    for (char c : rest.substr(colon + 1)) {
      if (c < '0' || c > '9' || port > 65535) {
        digits = false;
        break;
      }
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (digits && port > 0 && port <= 65535) {
      parts.port = static_cast<std::uint16_t>(port);
      rest = rest.substr(0, colon);
    }
  }
  parts.host = std::string(rest);
  return parts;
}

}  // namespace sip::dialplan
