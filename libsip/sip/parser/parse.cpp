#include "sip/parser/parse.hpp"

#include <cstring>

#include "sip/base/text.hpp"

namespace sip::parser {
namespace {

using msg::HeaderField;
using msg::HeaderId;
using msg::Span;

Span span(std::size_t off, std::size_t len) noexcept {
  return Span{static_cast<std::uint32_t>(off), static_cast<std::uint32_t>(len)};
}

// End of the physical line starting at `pos` (index of '\n' or `end`), and
// the length of its content without the trailing CR.
struct Line {
  std::size_t begin;
  std::size_t content_end;  // excludes CR LF
  std::size_t next;         // first byte of the following line
};

bool read_line(const char* d, std::size_t pos, std::size_t end, Line& out) noexcept {
  const void* nl = std::memchr(d + pos, '\n', end - pos);
  if (!nl) return false;
  const std::size_t n = static_cast<std::size_t>(static_cast<const char*>(nl) - d);
  out.begin = pos;
  out.content_end = (n > pos && d[n - 1] == '\r') ? n - 1 : n;
  out.next = n + 1;
  return true;
}

bool is_sp(char c) noexcept {
  return c == ' ' || c == '\t';
}

// "SIP/" 1*DIGIT "." 1*DIGIT, protocol name case-insensitive.
bool is_version(std::string_view v) noexcept {
  if (v.size() < 7 || (v[0] | 0x20) != 's' || (v[1] | 0x20) != 'i' || (v[2] | 0x20) != 'p' ||
      v[3] != '/')
    return false;
  std::size_t i = 4, digits = 0;
  while (i < v.size() && is_digit(v[i])) ++i, ++digits;
  if (digits == 0 || i >= v.size() || v[i] != '.') return false;
  ++i;
  digits = 0;
  while (i < v.size() && is_digit(v[i])) ++i, ++digits;
  return digits > 0 && i == v.size();
}

// Splits a start line into up to 3 SP/HT separated parts, tolerating runs of
// spaces and trailing spaces (RFC 4475 lwsstart, trws). Returns the count;
// the third part of a response keeps its spaces (the reason phrase).
Result<msg::StartLine> parse_start_line(std::string_view d, std::size_t begin, std::size_t end) {
  const std::string_view line = d.substr(begin, end - begin);
  msg::StartLine sl;
  if (line.size() >= 4 && (line[0] | 0x20) == 's' && (line[1] | 0x20) == 'i' &&
      (line[2] | 0x20) == 'p' && line[3] == '/') {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    sl.is_request = false;
    std::size_t i = 0;
    while (i < line.size() && !is_sp(line[i])) ++i;
    if (!is_version(line.substr(0, i)))
      return make_error(Errc::bad_version, begin, "bad SIP version");
    sl.version = span(begin, i);
    while (i < line.size() && is_sp(line[i])) ++i;
    const std::size_t code_at = i;
    while (i < line.size() && is_digit(line[i])) ++i;
    if (i - code_at != 3 || (i < line.size() && !is_sp(line[i])))
      return make_error(Errc::bad_status, begin + code_at, "status code is not 3 digits");
    const int code =
        (line[code_at] - '0') * 100 + (line[code_at + 1] - '0') * 10 + (line[code_at + 2] - '0');
    if (code < 100 || code > 699)
      return make_error(Errc::bad_status, begin + code_at, "status code out of range");
    sl.status = static_cast<std::uint16_t>(code);
    if (i < line.size()) ++i;  // the single SP before the reason phrase
    sl.reason = span(begin + i, line.size() - i);
    return sl;
  }
  // Request-Line = Method SP Request-URI SP SIP-Version
  std::string_view parts[3];
  std::size_t offs[3] = {0, 0, 0};
  std::size_t n = 0, i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_sp(line[i])) ++i;
    if (i == line.size()) break;
    const std::size_t s = i;
    while (i < line.size() && !is_sp(line[i])) ++i;
    if (n == 3) return make_error(Errc::bad_start_line, begin + s, "extra text in request line");
    parts[n] = line.substr(s, i - s);
    offs[n++] = s;
  }
  if (n != 3)
    return make_error(Errc::bad_start_line, begin, "request line needs method, URI and version");
  if (offs[0] != 0)
    return make_error(Errc::bad_start_line, begin, "request line starts with a space");
  if (!is_token(parts[0])) return make_error(Errc::bad_method, begin, "method is not a token");
  if (!is_version(parts[2]))
    return make_error(Errc::bad_version, begin + offs[2], "bad SIP version");
  auto u = uri::parse_uri(parts[1]);
  if (!u) return make_error(Errc::bad_uri, begin + offs[1] + u.error().offset, u.error().detail);
  sl.is_request = true;
  sl.method_token = span(begin, parts[0].size());
  sl.method = msg::method_from_token(parts[0]);
  sl.uri = span(begin + offs[1], parts[1].size());
  sl.version = span(begin + offs[2], parts[2].size());
  return sl;
}

// Adds the fields of one logical header line buf[begin, end).
Result<void> index_header_line(std::string_view d, std::size_t begin, std::size_t end,
                               std::vector<HeaderField>& fields, Head& head) {
  std::size_t i = begin;
  while (i < end && is_token_char(d[i])) ++i;
  if (i == begin) return make_error(Errc::bad_header, begin, "header name is not a token");
  const Span name = span(begin, i - begin);
  while (i < end && is_sp(d[i])) ++i;
  if (i == end || d[i] != ':')
    return make_error(Errc::bad_header, i, "missing ':' after header name");
  ++i;
  const std::string_view value = trim_lws(d.substr(i, end - i));
  const std::size_t voff = value.empty() ? end : static_cast<std::size_t>(value.data() - d.data());
  HeaderField f;
  f.id = msg::header_id_from_name(d.substr(name.off, name.len));
  f.name = name;
  f.line = span(begin, end - begin);
  if (f.id == HeaderId::ContentLength) {
    if (head.content_length)
      return make_error(Errc::bad_content_length, begin, "several Content-Length headers");
    const auto cl = parse_uint(value, 0xFFFFFFFFu);
    if (!cl) return make_error(Errc::bad_content_length, voff, "Content-Length is not a number");
    head.content_length = static_cast<std::uint32_t>(*cl);
  }
  if (!msg::header_is_list(f.id) || value.find(',') == std::string_view::npos) {
    f.value = span(voff, value.size());
    fields.push_back(f);
    return {};
  }
  std::string_view rest = value;
  for (;;) {
    const std::size_t comma = find_unquoted(rest, ',');
    const std::string_view item = trim_lws(rest.substr(0, comma));
    const std::size_t ioff = item.empty() ? static_cast<std::size_t>(rest.data() - d.data())
                                          : static_cast<std::size_t>(item.data() - d.data());
    f.value = span(ioff, item.size());
    fields.push_back(f);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return {};
}

Result<msg::Message> parse_datagram_owned(std::string&& buf, const Limits& limits) {
  // RFC 3261 7.5: ignore CRLFs before the start line.
  std::size_t lead = 0;
  while (lead < buf.size() && (buf[lead] == '\r' || buf[lead] == '\n')) ++lead;
  if (lead) buf.erase(0, lead);
  if (buf.empty()) return make_error(Errc::empty, lead, "empty datagram");
  if (buf.size() > limits.max_message_size)
    return make_error(Errc::message_too_large, limits.max_message_size, "datagram too large");
  std::size_t head_end = find_head_end(buf);
  if (head_end == std::string::npos) {
    // A datagram whose last header line ends the datagram lacks only the
    // blank line (RFC 4475 baddn): frame it as a message without a body.
    if (buf.back() != '\n')
      return make_error(Errc::truncated, buf.size(), "no blank line after headers");
    buf += "\r\n";
    head_end = buf.size();
  }
  auto head = parse_head(buf, head_end, limits);
  if (!head) return head.error();
  std::size_t body_len = buf.size() - head_end;
  if (head->content_length) {
    if (*head->content_length > body_len)
      return make_error(Errc::body_truncated, head_end, "Content-Length exceeds the datagram");
    body_len = *head->content_length;
  }
  if (body_len > limits.max_body_size)
    return make_error(Errc::body_too_large, head_end, "body too large");
  buf.resize(head_end + body_len);  // octets past Content-Length are ignored
  return msg::Message(std::move(buf), head->start, std::move(head->fields),
                      span(head_end, body_len));
}

}  // namespace

std::size_t find_head_end(std::string_view data) noexcept {
  const char* d = data.data();
  std::size_t pos = 0;
  while (pos < data.size()) {
    const void* nl = std::memchr(d + pos, '\n', data.size() - pos);
    if (!nl) return std::string_view::npos;
    const std::size_t n = static_cast<std::size_t>(static_cast<const char*>(nl) - d);
    // An empty line is "\n" or "\r\n" right after the previous line end.
    if (n + 1 < data.size() && d[n + 1] == '\n') return n + 2;
    if (n + 2 < data.size() && d[n + 1] == '\r' && d[n + 2] == '\n') return n + 3;
    pos = n + 1;
  }
  return std::string_view::npos;
}

Result<Head> parse_head(std::string& buf, std::size_t head_end, const Limits& limits) {
  Head head;
  const char* d = buf.data();
  const std::string_view dv(buf.data(), head_end);
  Line line;
  if (!read_line(d, 0, head_end, line)) return make_error(Errc::truncated, 0, "no start line");
  if (line.content_end - line.begin > limits.max_line_length)
    return make_error(Errc::line_too_long, 0, "start line too long");
  auto sl = parse_start_line(dv, line.begin, line.content_end);
  if (!sl) return sl.error();
  head.start = *sl;
  head.fields.reserve(24);
  std::size_t pos = line.next;
  std::size_t logical = 0;
  // Current logical header line [cur_begin, cur_end); npos when none.
  std::size_t cur_begin = std::string::npos, cur_end = 0;
  while (read_line(d, pos, head_end, line)) {
    if (line.content_end - line.begin > limits.max_line_length)
      return make_error(Errc::line_too_long, line.begin, "header line too long");
    const bool blank = line.content_end == line.begin;
    const bool folded = !blank && is_sp(d[line.begin]);
    if (folded) {
      if (cur_begin == std::string::npos)
        return make_error(Errc::bad_header, line.begin, "continuation line without a header");
      // Unfold in place: the line break before this line becomes spaces.
      for (std::size_t k = cur_end; k < line.begin; ++k) buf[k] = ' ';
      cur_end = line.content_end;
    } else {
      if (cur_begin != std::string::npos) {
        if (auto r = index_header_line(dv, cur_begin, cur_end, head.fields, head); !r)
          return r.error();
      }
      if (blank) return head;
      if (++logical > limits.max_header_lines)
        return make_error(Errc::too_many_headers, line.begin, "too many header lines");
      cur_begin = line.begin;
      cur_end = line.content_end;
    }
    pos = line.next;
  }
  return make_error(Errc::truncated, head_end, "header block not terminated");
}

Result<msg::Message> parse_datagram(std::string_view datagram, const Limits& limits) {
  if (datagram.size() > limits.max_message_size)
    return make_error(Errc::message_too_large, limits.max_message_size, "datagram too large");
  return parse_datagram_owned(std::string(datagram), limits);
}

Result<msg::Message> parse_datagram(std::string&& datagram, const Limits& limits) {
  return parse_datagram_owned(std::move(datagram), limits);
}

}  // namespace sip::parser
