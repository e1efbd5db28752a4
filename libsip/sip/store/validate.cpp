#include "sip/store/validate.hpp"

#include <algorithm>

#include "sip/base/text.hpp"

namespace sip::store {
namespace {

Error invalid(const char* detail) {
  return make_error(Errc::invalid_argument, 0, detail);
}

bool customer_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '.' || c == '-';
}

bool account_char(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '+' || c == '-';
}

// Empty, or exactly `length` lowercase hex digits (after lower-casing).
bool hex_or_empty(std::string_view s, std::size_t length) noexcept {
  if (s.empty()) return true;
  return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
           return is_digit(c) || (c >= 'a' && c <= 'f');
         });
}

bool valid_label(std::string_view label) noexcept {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-'; });
}

bool valid_ipv6_reference(std::string_view host) noexcept {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
  const auto inner = host.substr(1, host.size() - 2);
  return std::all_of(inner.begin(), inner.end(),
                     [](char c) { return is_hex(c) || c == ':' || c == '.'; }) &&
         inner.find(':') != std::string_view::npos;
}

}  // namespace

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool valid_host_name(std::string_view host) noexcept {
  if (valid_ipv6_reference(host)) return true;
  if (host.empty() || host.size() > 253) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = host.find('.', start);
    const auto label = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!valid_label(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Result<void> normalize_customer(Customer& c) {
  c.username = to_lower(c.username);
  if (c.username.size() < 3 || c.username.size() > 64 ||
      !std::all_of(c.username.begin(), c.username.end(), customer_char)) {
    return invalid("customer username must be 3 to 64 of [a-z0-9_.-]");
  }
  c.api_key = to_lower(c.api_key);
  if (!hex_or_empty(c.api_key, 64)) return invalid("api_key must be 64 hex digits or empty");
  if (c.time_zone.empty() || c.time_zone.size() > 64) {
    return invalid("time_zone must be an IANA zone name");
  }
  if (c.max_executions < 0) return invalid("max_executions must not be negative");
  if (c.max_accounts < 0) return invalid("max_accounts must not be negative");
  if (c.created < 0) return invalid("created must not be negative");
  return {};
}

Result<void> normalize_domain(Domain& d) {
  d.name = to_lower(d.name);
  if (!valid_host_name(d.name)) return invalid("domain name must be a host name");
  for (auto& alias : d.aliases) {
    alias = to_lower(alias);
    if (!valid_host_name(alias)) return invalid("domain alias must be a host name");
    if (alias == d.name) return invalid("a domain alias must differ from the domain name");
  }
  auto sorted = d.aliases;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return invalid("a domain alias is listed twice");
  }
  if (d.owner_id < 0) return invalid("domain owner id must not be negative");
  if (d.created < 0) return invalid("created must not be negative");
  return {};
}

Result<void> normalize_account(SipAccount& a) {
  if (a.username.empty() || a.username.size() > 64 ||
      !std::all_of(a.username.begin(), a.username.end(), account_char)) {
    return invalid("account username must be 1 to 64 of [A-Za-z0-9_.+-]");
  }
  if (to_lower(a.username) == "dispatcher") {
    return invalid("account username \"dispatcher\" is reserved");
  }
  a.domain = to_lower(a.domain);
  a.ha1_md5 = to_lower(a.ha1_md5);
  a.ha1_sha256 = to_lower(a.ha1_sha256);
  if (!hex_or_empty(a.ha1_md5, 32)) return invalid("ha1_md5 must be 32 hex digits or empty");
  if (!hex_or_empty(a.ha1_sha256, 64)) {
    return invalid("ha1_sha256 must be 64 hex digits or empty");
  }
  if (a.created < 0) return invalid("created must not be negative");
  return {};
}

Result<void> check_binding(const Binding& b) {
  if (b.account_id <= 0) return invalid("binding needs an account id");
  if (b.contact_key.empty()) return invalid("binding needs a contact key");
  if (b.contact_uri.empty()) return invalid("binding needs a contact URI");
  return {};
}

const char* keepalive_name(KeepAliveMode mode) noexcept {
  switch (mode) {
    case KeepAliveMode::Crlf: return "crlf";
    case KeepAliveMode::Options: return "options";
    case KeepAliveMode::None: return "none";
  }
  return "crlf";
}

bool parse_keepalive(std::string_view text, KeepAliveMode& out) noexcept {
  for (const auto mode : {KeepAliveMode::Crlf, KeepAliveMode::Options, KeepAliveMode::None}) {
    if (text == keepalive_name(mode)) {
      out = mode;
      return true;
    }
  }
  return false;
}

}  // namespace sip::store
