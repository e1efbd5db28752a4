#include "sip/sdp/sdp.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "sip/base/ci.hpp"
#include "sip/base/text.hpp"

namespace sip::sdp {
namespace {

constexpr std::size_t npos = std::string_view::npos;

// Fields separated by runs of SP / HT, leading and trailing blanks ignored.
std::vector<std::string_view> split_fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const std::size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

std::optional<std::uint32_t> parse_ipv4(std::string_view s) noexcept {
  std::uint32_t v = 0;
  int parts = 0;
  std::size_t i = 0;
  for (;;) {
    std::size_t j = i;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j == i || j - i > 3) return std::nullopt;
    const auto n = parse_uint(s.substr(i, j - i), 255);
    if (!n) return std::nullopt;
    v = (v << 8) | static_cast<std::uint32_t>(*n);
    ++parts;
    if (j == s.size()) break;
    if (s[j] != '.' || parts == 4) return std::nullopt;
    i = j + 1;
  }
  if (parts != 4) return std::nullopt;
  return v;
}

using Ipv6 = std::array<std::uint16_t, 8>;

std::optional<Ipv6> parse_ipv6(std::string_view s) noexcept {
  Ipv6 g{};
  std::size_t n = 0;    // groups parsed
  std::size_t gap = 0;  // group index where "::" stands
  bool has_gap = false;
  std::size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    has_gap = true;
    i = 2;
  } else if (s.empty() || s[0] == ':') {
    return std::nullopt;
  }
  while (i < s.size()) {
    if (n == 8) return std::nullopt;
    std::size_t j = i;
    while (j < s.size() && is_hex(s[j])) ++j;
    if (j < s.size() && s[j] == '.') {  // trailing dotted quad
      const auto v4 = parse_ipv4(s.substr(i));
      if (!v4 || n > 6) return std::nullopt;
      g[n++] = static_cast<std::uint16_t>(*v4 >> 16);
      g[n++] = static_cast<std::uint16_t>(*v4 & 0xFFFF);
      break;
    }
    if (j == i || j - i > 4) return std::nullopt;
    unsigned val = 0;
    for (std::size_t k = i; k < j; ++k) val = val * 16 + static_cast<unsigned>(hex_value(s[k]));
    g[n++] = static_cast<std::uint16_t>(val);
    if (j == s.size()) break;
    if (s[j] != ':') return std::nullopt;
    if (j + 1 < s.size() && s[j + 1] == ':') {
      if (has_gap) return std::nullopt;
      has_gap = true;
      gap = n;
      i = j + 2;
    } else {
      i = j + 1;
      if (i == s.size()) return std::nullopt;  // trailing single ':'
    }
  }
  if (!has_gap) return n == 8 ? std::optional<Ipv6>(g) : std::nullopt;
  if (n == 8) return std::nullopt;  // "::" must stand for at least one group
  Ipv6 out{};
  std::copy(g.begin(), g.begin() + static_cast<std::ptrdiff_t>(gap), out.begin());
  std::copy(g.begin() + static_cast<std::ptrdiff_t>(gap),
            g.begin() + static_cast<std::ptrdiff_t>(n),
            out.end() - static_cast<std::ptrdiff_t>(n - gap));
  return out;
}

// docs/private-addresses.md: RFC 1918 and 127.0.0.1 only. Not 169.254/16
// (link-local) nor 100.64/10 (carrier-grade NAT shared space).
bool is_private_ipv4(std::uint32_t v) noexcept {
  return (v >> 24) == 10 ||      // 10/8
         (v >> 20) == 0xAC1 ||   // 172.16/12
         (v >> 16) == 0xC0A8 ||  // 192.168/16
         v == 0x7F000001;        // 127.0.0.1
}

bool is_unspecified(std::string_view addr) noexcept {
  if (const auto v4 = parse_ipv4(addr)) return *v4 == 0;
  if (const auto v6 = parse_ipv6(addr)) return *v6 == Ipv6{};
  return false;
}

// "/n[/n]" with at most `max_parts` parts, each 0-65535; empty is fine.
bool valid_suffix(std::string_view s, int max_parts) noexcept {
  for (int parts = 0; !s.empty(); ++parts) {
    if (s[0] != '/' || parts == max_parts) return false;
    s.remove_prefix(1);
    std::size_t n = 0;
    while (n < s.size() && is_digit(s[n])) ++n;
    if (!parse_uint(s.substr(0, n), 65535)) return false;
    s.remove_prefix(n);
  }
  return true;
}

std::optional<Connection> parse_connection(std::string_view v) {
  const auto f = split_fields(v);
  if (f.size() != 3) return std::nullopt;
  Connection c{std::string(f[0]), std::string(f[1]), std::string(f[2]), {}};
  const bool v4 = ci_equal(f[1], "IP4");
  if (v4 || ci_equal(f[1], "IP6")) {
    const std::size_t slash = f[2].find('/');
    const std::string_view host = f[2].substr(0, slash);
    const std::string_view suffix = slash == npos ? std::string_view{} : f[2].substr(slash);
    if (v4 ? !is_ipv4_address(host) : !is_ipv6_address(host)) return std::nullopt;
    if (!valid_suffix(suffix, v4 ? 2 : 1)) return std::nullopt;
    c.address = std::string(host);
    c.suffix = std::string(suffix);
  }
  return c;
}

Attribute parse_attribute(std::string_view v) {
  const std::size_t colon = v.find(':');
  if (colon == npos) return Attribute{std::string(v), std::nullopt};
  return Attribute{std::string(v.substr(0, colon)), std::string(v.substr(colon + 1))};
}

// Returns an error detail, or nullptr on success.
const char* parse_media(std::string_view v, Media& m) {
  const auto f = split_fields(v);
  if (f.size() < 4) return "m= needs media, port, proto and at least one format";
  const std::size_t slash = f[1].find('/');
  const auto port = parse_uint(f[1].substr(0, slash), 65535);
  if (!port) return "m= port is not a number in 0-65535";
  m.port = static_cast<std::uint16_t>(*port);
  if (slash != npos) {
    const auto count = parse_uint(f[1].substr(slash + 1), 65535);
    if (!count || *count == 0) return "m= port count is not a number in 1-65535";
    m.port_count = static_cast<std::uint16_t>(*count);
  }
  m.media = std::string(f[0]);
  m.proto = std::string(f[2]);
  for (std::size_t i = 3; i < f.size(); ++i) m.formats.emplace_back(f[i]);
  return nullptr;
}

// Group and count of the last modelled line of the current section; the
// position recorded in the ExtraLines that follow it.
struct Anchor {
  char group = 's';
  std::size_t count = 1;
};

// The c= b= k= a= lines and unknown ones, alike in both sections (S is
// SessionDescription or Media).
template <class S>
const char* common_line(S& s, char type, std::string_view v, Anchor& at) {
  switch (type) {
    case 'c':
      if (s.connection) return "second c= line in one section";
      s.connection = parse_connection(v);
      if (!s.connection) return "malformed c= line";
      at = {'c', 1};
      return nullptr;
    case 'b':
      s.bandwidths.emplace_back(v);
      at = {'b', s.bandwidths.size()};
      return nullptr;
    case 'k':
      if (s.key) return "second k= line in one section";  // RFC 4566: at most one
      s.key = std::string(v);
      at = {'k', 1};
      return nullptr;
    case 'a':
      s.attributes.push_back(parse_attribute(v));
      at = {'a', s.attributes.size()};
      return nullptr;
    default: break;
  }
  s.extra.push_back(ExtraLine{Line{type, std::string(v)}, at.group, at.count});
  return nullptr;
}

const char* session_line(SessionDescription& sd, char type, std::string_view v, Anchor& at) {
  if (type == 'i' || type == 'u' || type == 'e' || type == 'p') {
    sd.descriptions.push_back(Line{type, std::string(v)});
    at = {'i', sd.descriptions.size()};
  } else if (type == 't' || type == 'r' || type == 'z') {
    sd.times.push_back(Line{type, std::string(v)});
    at = {'t', sd.times.size()};
  } else {
    return common_line(sd, type, v, at);
  }
  return nullptr;
}

const char* media_line(Media& m, char type, std::string_view v, Anchor& at) {
  if (type != 'i' || m.title) return common_line(m, type, v, at);
  m.title = std::string(v);
  at = {'i', 1};
  return nullptr;
}

// --- serialisation ----------------------------------------------------------

void put(std::string& out, char type, std::string_view v) {
  out += type;
  out += '=';
  out += v;
  out += "\r\n";
}

void put_connection(std::string& out, const Connection& c) {
  out += c.nettype;
  out += ' ';
  out += c.addrtype;
  out += ' ';
  out += c.address;
  out += c.suffix;
}

std::string connection_text(const Connection& c) {
  std::string s;
  put_connection(s, c);
  return s;
}

std::string attribute_text(const Attribute& a) {
  std::string s = a.name;
  if (a.value) {
    s += ':';
    s += *a.value;
  }
  return s;
}

// Writes the extra lines anchored after the k-th of the n lines of group g.
void flush(std::string& out, const std::vector<ExtraLine>& extra, char g, std::size_t n,
           std::size_t k) {
  for (const ExtraLine& e : extra)
    if (e.after == g && std::min(e.after_count, n) == k) put(out, e.line.type, e.line.value);
}

// Writes a group of n lines (line_at(i) writes the i-th) with its extras.
template <class F>
void group(std::string& out, const std::vector<ExtraLine>& extra, char g, std::size_t n,
           F&& line_at) {
  flush(out, extra, g, n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    line_at(i);
    flush(out, extra, g, n, i + 1);
  }
}

// Extras anchored to a group the section does not have still get written.
void flush_orphans(std::string& out, const std::vector<ExtraLine>& extra, std::string_view groups) {
  for (const ExtraLine& e : extra)
    if (groups.find(e.after) == npos) put(out, e.line.type, e.line.value);
}

void put_media(std::string& out, const Media& m) {
  const auto& x = m.extra;
  group(out, x, 'm', 1, [&](std::size_t) {
    std::string v = m.media;
    v += ' ';
    v += std::to_string(m.port);
    if (m.port_count) v += '/' + std::to_string(*m.port_count);
    v += ' ';
    v += m.proto;
    for (const std::string& f : m.formats) v += ' ' + f;
    put(out, 'm', v);
  });
  group(out, x, 'i', m.title ? 1 : 0, [&](std::size_t) { put(out, 'i', *m.title); });
  group(out, x, 'c', m.connection ? 1 : 0,
        [&](std::size_t) { put(out, 'c', connection_text(*m.connection)); });
  group(out, x, 'b', m.bandwidths.size(), [&](std::size_t i) { put(out, 'b', m.bandwidths[i]); });
  group(out, x, 'k', m.key ? 1 : 0, [&](std::size_t) { put(out, 'k', *m.key); });
  group(out, x, 'a', m.attributes.size(),
        [&](std::size_t i) { put(out, 'a', attribute_text(m.attributes[i])); });
  flush_orphans(out, x, "micbka");
}

bool rewrite_one(Connection& c, std::string_view addr, bool ipv6) {
  if (!ci_equal(c.nettype, "IN") || is_unspecified(c.address)) return false;
  const char* type = ipv6 ? "IP6" : "IP4";
  if (c.nettype == "IN" && c.addrtype == type && c.address == addr && c.suffix.empty())
    return false;
  c.nettype = "IN";
  c.addrtype = type;
  c.address = std::string(addr);
  c.suffix.clear();
  return true;
}

bool valid_new_address(std::string_view addr, bool ipv6) noexcept {
  return ipv6 ? is_ipv6_address(addr) : is_ipv4_address(addr);
}

std::size_t rewrite_rtcp_in(std::vector<Attribute>& attrs, std::string_view addr, bool ipv6) {
  std::size_t changed = 0;
  for (Attribute& a : attrs) {
    if (a.name != "rtcp" || !a.value) continue;
    auto r = parse_rtcp(*a.value);
    if (!r || !r->connection || !rewrite_one(*r->connection, addr, ipv6)) continue;
    a.value = std::to_string(r->port) + ' ' + connection_text(*r->connection);
    ++changed;
  }
  return changed;
}

}  // namespace

Result<SessionDescription> parse(std::string_view body) {
  if (body.empty()) return make_error(Errc::bad_sdp, 0, "empty SDP body");
  SessionDescription sd;
  std::size_t pos = 0;
  std::size_t line_no = 0;  // modelled lines seen so far
  Anchor at;
  while (pos < body.size()) {
    const std::size_t start = pos;
    const std::size_t nl = body.find('\n', pos);
    const std::size_t end = nl == npos ? body.size() : nl;
    pos = nl == npos ? body.size() : nl + 1;
    std::string_view line = body.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto bad = [start](const char* detail) { return make_error(Errc::bad_sdp, start, detail); };

    if (line_no == 0 && line != "v=0") return bad("first line must be v=0");
    if (line.empty()) {  // only empty lines may follow
      for (std::size_t p = pos; p < body.size(); ++p)
        if (body[p] != '\r' && body[p] != '\n') return bad("empty line inside the body");
      break;
    }
    if (line.size() < 2 || line[0] < 'a' || line[0] > 'z' || line[1] != '=')
      return bad("line is not <type>=<value>");
    // memchr per byte class, not find_first_of (a memchr over the set per byte).
    if (std::memchr(line.data(), '\r', line.size()) != nullptr ||
        std::memchr(line.data(), '\0', line.size()) != nullptr)
      return bad("CR or NUL inside a line");
    const char type = line[0];
    const std::string_view v = line.substr(2);
    ++line_no;
    if (line_no == 1) continue;
    if (line_no == 2) {
      if (type != 'o') return bad("second line must be o=");
      const auto f = split_fields(v);
      if (f.size() != 6) return bad("o= needs 6 fields");
      sd.origin = Origin{std::string(f[0]), std::string(f[1]), std::string(f[2]),
                         std::string(f[3]), std::string(f[4]), std::string(f[5])};
      continue;
    }
    if (line_no == 3) {
      if (type != 's') return bad("third line must be s=");
      sd.session_name = std::string(v);
      continue;
    }
    if (type == 'v' || type == 'o' || type == 's') return bad("second v=, o= or s= line");
    if (type == 'm') {
      Media m;
      if (const char* d = parse_media(v, m)) return bad(d);
      sd.media.push_back(std::move(m));
      at = {'m', 1};
      continue;
    }
    const char* d =
        sd.media.empty() ? session_line(sd, type, v, at) : media_line(sd.media.back(), type, v, at);
    if (d) return bad(d);
  }
  if (line_no < 3)
    return make_error(Errc::bad_sdp, body.size(),
                      line_no == 1 ? "o= line missing" : "s= line missing");
  return sd;
}

std::string serialize(const SessionDescription& sd) {
  std::string out;
  out.reserve(512);
  put(out, 'v', std::to_string(sd.version));
  const Origin& o = sd.origin;
  put(out, 'o',
      o.username + ' ' + o.session_id + ' ' + o.session_version + ' ' + o.nettype + ' ' +
          o.addrtype + ' ' + o.address);
  const auto& x = sd.extra;
  group(out, x, 's', 1, [&](std::size_t) { put(out, 's', sd.session_name); });
  group(out, x, 'i', sd.descriptions.size(),
        [&](std::size_t i) { put(out, sd.descriptions[i].type, sd.descriptions[i].value); });
  group(out, x, 'c', sd.connection ? 1 : 0,
        [&](std::size_t) { put(out, 'c', connection_text(*sd.connection)); });
  group(out, x, 'b', sd.bandwidths.size(), [&](std::size_t i) { put(out, 'b', sd.bandwidths[i]); });
  group(out, x, 't', sd.times.size(),
        [&](std::size_t i) { put(out, sd.times[i].type, sd.times[i].value); });
  group(out, x, 'k', sd.key ? 1 : 0, [&](std::size_t) { put(out, 'k', *sd.key); });
  group(out, x, 'a', sd.attributes.size(),
        [&](std::size_t i) { put(out, 'a', attribute_text(sd.attributes[i])); });
  flush_orphans(out, x, "sicbtka");
  for (const Media& m : sd.media) put_media(out, m);
  return out;
}

const Connection* effective_connection(const SessionDescription& sd, const Media& m) noexcept {
  if (m.connection) return &*m.connection;
  if (sd.connection) return &*sd.connection;
  return nullptr;
}

std::vector<MediaEndpoint> media_endpoints(const SessionDescription& sd) {
  std::vector<MediaEndpoint> out;
  out.reserve(sd.media.size());
  for (const Media& m : sd.media) {
    MediaEndpoint e;
    if (const Connection* c = effective_connection(sd, m)) {
      e.address = c->address;
      e.addrtype = c->addrtype;
    }
    e.port = m.port;
    e.media = m.media;
    out.push_back(std::move(e));
  }
  return out;
}

std::size_t rewrite_connection(SessionDescription& sd, std::string_view new_addr, bool ipv6) {
  if (!valid_new_address(new_addr, ipv6)) return 0;
  std::size_t changed = 0;
  if (sd.connection && rewrite_one(*sd.connection, new_addr, ipv6)) ++changed;
  for (Media& m : sd.media)
    if (m.connection && rewrite_one(*m.connection, new_addr, ipv6)) ++changed;
  return changed;
}

std::optional<Rtcp> parse_rtcp(std::string_view value) {
  const std::string_view v = trim_lws(value);
  std::size_t sp = 0;
  while (sp < v.size() && v[sp] != ' ' && v[sp] != '\t') ++sp;
  const auto port = parse_uint(v.substr(0, sp), 65535);
  if (!port) return std::nullopt;
  Rtcp r;
  r.port = static_cast<std::uint16_t>(*port);
  const std::string_view rest = trim_lws(v.substr(sp));
  if (!rest.empty()) {
    r.connection = parse_connection(rest);
    if (!r.connection) return std::nullopt;
  }
  return r;
}

std::size_t rewrite_rtcp_address(SessionDescription& sd, std::string_view new_addr, bool ipv6) {
  if (!valid_new_address(new_addr, ipv6)) return 0;
  std::size_t changed = rewrite_rtcp_in(sd.attributes, new_addr, ipv6);
  for (Media& m : sd.media) changed += rewrite_rtcp_in(m.attributes, new_addr, ipv6);
  return changed;
}

bool set_media_port(SessionDescription& sd, std::size_t index, std::uint16_t port) noexcept {
  if (index >= sd.media.size()) return false;
  sd.media[index].port = port;
  return true;
}

const Attribute* find_attribute(const std::vector<Attribute>& attrs,
                                std::string_view name) noexcept {
  for (const Attribute& a : attrs)
    if (a.name == name) return &a;
  return nullptr;
}

bool is_ipv4_address(std::string_view s) noexcept {
  return parse_ipv4(s).has_value();
}
bool is_ipv6_address(std::string_view s) noexcept {
  return parse_ipv6(s).has_value();
}

bool is_private_address(std::string_view s) noexcept {
  if (const auto v4 = parse_ipv4(s)) return is_private_ipv4(*v4);
  const auto g = parse_ipv6(s);
  if (!g) return false;
  const Ipv6& a = *g;
  if ((a[0] & 0xFE00) == 0xFC00 || (a[0] & 0xFFC0) == 0xFE80) return true;
  const bool zero_prefix = a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0 && a[4] == 0;
  if (zero_prefix && a[5] == 0 && a[6] == 0 && a[7] == 1) return true;  // ::1
  if (zero_prefix && a[5] == 0xFFFF)                                    // ::ffff:a.b.c.d
    return is_private_ipv4((static_cast<std::uint32_t>(a[6]) << 16) | a[7]);
  return false;
}

}  // namespace sip::sdp
