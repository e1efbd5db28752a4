// Framing and indexing of SIP messages (RFC 3261 section 7 and 18.3).
// parse_datagram() takes one UDP datagram: one message, octets past its
// Content-Length ignored, Content-Length optional (the body then runs to the
// end of the datagram). Streams go through StreamFramer (stream_framer.hpp),
// which requires Content-Length. Both resolve header folding in place (the
// line break becomes spaces, so every offset stays valid), never throw, never
// read past their input, and report errors with a code and byte offset.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/result.hpp"
#include "sip/message/message.hpp"

namespace sip::parser {

struct Limits {
  std::size_t max_message_size = 65535;  // start line + headers + body
  std::size_t max_header_lines = 256;    // logical header lines (after unfolding)
  std::size_t max_line_length = 8192;    // one physical line, without its CRLF
  std::size_t max_body_size = 65535;
};

Result<msg::Message> parse_datagram(std::string_view datagram, const Limits& limits = {});
// Takes ownership of the bytes (no copy when the caller can give them up).
Result<msg::Message> parse_datagram(std::string&& datagram, const Limits& limits = {});

// The start line and header index of a message whose header block occupies
// buf[0, head_end) including the blank line.
struct Head {
  msg::StartLine start;
  std::vector<msg::HeaderField> fields;
  std::optional<std::uint32_t> content_length;
};

// Offset just past the blank line that ends the header block (CRLF CRLF, or
// bare LF LF from sloppy peers), or npos when the block is not complete.
std::size_t find_head_end(std::string_view data) noexcept;

// Indexes the header block buf[0, head_end). Rewrites folded line breaks in
// `buf` to spaces. Checks the limits that apply to the head.
Result<Head> parse_head(std::string& buf, std::size_t head_end, const Limits& limits);

}  // namespace sip::parser
