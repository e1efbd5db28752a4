#include "sip/store/validate.hpp"

#include <algorithm>

#include "sip/auth/server_algorithms.hpp"
#include "sip/base/text.hpp"
#include "sip/store/names.hpp"
#include "sip/uri/uri.hpp"

namespace sip::store {
namespace {

Error invalid(const char* detail) {
  return make_error(Errc::invalid_argument, 0, detail);
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

bool has_control(std::string_view s) noexcept {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// "sip:"/"sips:" URIs with a host stay as they are; a bare "host[:port]"
// gets "sip:" in front. Empty stays empty when `optional`.
bool normalize_sip_target(std::string& text, bool optional) {
  if (text.empty()) return optional;
  if (text.size() > 512 || has_control(text)) return false;
  const std::string lowered = to_lower(text.substr(0, 5));
  if (!lowered.starts_with("sip:") && !lowered.starts_with("sips:")) {
    if (text.find(':') != std::string::npos && text.front() != '[' &&
        text.find(':') != text.rfind(':')) {
      return false;  // neither a URI nor host[:port]
    }
    text = "sip:" + text;
  }
  auto uri = uri::parse_uri(text);
  return uri && uri->is_sip() && !uri->host.empty();
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
  if (!valid_customer_username(c.username)) {
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
  if (!valid_account_username(a.username)) {
    return invalid("account username must be 1 to 64 of [A-Za-z0-9_.+-], not \"dispatcher\"");
  }
  a.domain = to_lower(a.domain);
  a.ha1_md5 = to_lower(a.ha1_md5);
  a.ha1_sha256 = to_lower(a.ha1_sha256);
  if (!hex_or_empty(a.ha1_md5, 32)) return invalid("ha1_md5 must be 32 hex digits or empty");
  if (!hex_or_empty(a.ha1_sha256, 64)) {
    return invalid("ha1_sha256 must be 64 hex digits or empty");
  }
  if (!a.digest_algorithms.empty()) {
    const auto list = auth::parse_server_algorithms(a.digest_algorithms);
    if (!list) return invalid("digest_algorithms must list MD5 and/or SHA-256, each once");
    a.digest_algorithms = auth::server_algorithms_text(*list);
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

Result<void> normalize_provider(Provider& p) {
  if (!valid_provider_name(p.name)) {
    return invalid("provider name must be 1 to 64 of [A-Za-z0-9_-]");
  }
  if (p.type != "sip") return invalid("provider type must be \"sip\"");
  if (!normalize_sip_target(p.server, false)) {
    return invalid("provider server must be a sip:/sips: URI with a host, or host[:port]");
  }
  if (!normalize_sip_target(p.outbound_proxy, true)) {
    return invalid("provider outbound_proxy must be a sip:/sips: URI, host[:port] or empty");
  }
  if (!normalize_sip_target(p.register_server, true)) {
    return invalid("provider register_server must be a sip:/sips: URI, host[:port] or empty");
  }
  if (p.register_expiry < 60 || p.register_expiry > 86400) {
    return invalid("provider register_expiry must be 60 to 86400 seconds");
  }
  for (const std::string* field : {&p.username, &p.password, &p.auth_username, &p.from_template,
                                   &p.register_contact, &p.register_realm}) {
    if (field->size() > 512 || has_control(*field)) {
      return invalid("provider text fields must be at most 512 characters without controls");
    }
  }
  if (p.custom_headers.size() > 4096 || has_control(p.custom_headers)) {
    return invalid("provider custom_headers must be at most 4096 characters without controls");
  }
  if (p.owner_id <= 0) return invalid("provider needs an owner");
  if (p.created < 0) return invalid("created must not be negative");
  return {};
}

Result<void> check_dialplan(const DialPlan& d) {
  if (!valid_plan_name(d.name)) {
    return invalid("dial plan name must be 1 to 64 of [A-Za-z0-9_.-]");
  }
  if (d.type != "lua" && d.type != "wizard" && d.type != "dialstring") {
    return invalid("dial plan type must be lua, wizard or dialstring");
  }
  if (d.source.size() > kMaxDialPlanSource) return invalid("dial plan source exceeds 256 KiB");
  if (d.description.size() > 1024) return invalid("dial plan description exceeds 1024 bytes");
  if (d.owner_id <= 0) return invalid("dial plan needs an owner");
  if (d.created < 0 || d.updated < 0) return invalid("times must not be negative");
  return {};
}

Result<void> check_cdr(const Cdr& c) {
  if (c.id.empty() || c.id.size() > 64) return invalid("cdr id must be 1 to 64 characters");
  if (c.owner_id < 0) return invalid("cdr owner id must not be negative");
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
