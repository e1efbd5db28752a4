// fuzz_stream: one libFuzzer input = a TCP byte stream delivered in chunks.
//
// Input layout: byte 0 selects the number of chunk-size bytes k = (b0 & 7) + 1
// and a Limits profile ((b0 >> 3) & 3; small limits reach the limit paths
// with small inputs); the next k bytes give the chunk sizes (b + 1, cycled);
// the rest is the stream, fed chunk by chunk to a StreamFramer and drained
// with next() after every chunk until NeedMore or Error.
//
// What it checks:
//  * after draining, buffered() never exceeds Limits::max_message_size (the
//    framer must not hold more than one message's worth of bytes: anything
//    else is unbounded memory per connection);
//  * conservation: bytes fed == message bytes + 4 per Ping + 2 per Pong +
//    buffered(), as long as no error occurred;
//  * every Message fits the limits, its Content-Length equals its body size,
//    and its bytes parse again as a datagram with the same fields and body;
//  * once next() returns Error, failed() is set, nothing stays buffered, and
//    next() keeps returning Error, also after more bytes are fed;
//  * framing does not depend on chunking: the messages produced from the
//    whole stream fed at once are a prefix-consistent match of the chunked
//    run (keep-alive Ping/Pong may legitimately differ, messages may not).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message/message.hpp"
#include "sip/parser/parse.hpp"
#include "sip/parser/stream_framer.hpp"

namespace {

using sip::parser::FrameEvent;
using sip::parser::Limits;
using sip::parser::StreamFramer;

Limits profile(unsigned p) {
  Limits l;
  switch (p & 3U) {
    case 1:
      l.max_message_size = 1024, l.max_header_lines = 16, l.max_line_length = 128,
      l.max_body_size = 256;
      break;
    case 2:
      l.max_message_size = 256, l.max_header_lines = 8, l.max_line_length = 64,
      l.max_body_size = 64;
      break;
    case 3:
      l.max_message_size = 4096, l.max_header_lines = 64, l.max_line_length = 1024,
      l.max_body_size = 4096;
      break;
    default: break;  // the defaults a server uses
  }
  return l;
}

struct Run {
  std::vector<std::string> messages;  // bytes of each Message event, in order
  bool failed = false;
};

// A framed message must be self-consistent and parse again as a datagram.
void check_message(const sip::msg::Message& m, const Limits& limits) {
  if (m.bytes().size() > limits.max_message_size) __builtin_trap();
  if (m.body().size() > limits.max_body_size) __builtin_trap();
  auto cl = m.content_length();
  if (!cl || *cl != m.body().size()) __builtin_trap();
  // Unfolding joins physical lines, so the re-parse may see longer lines.
  Limits relaxed = limits;
  relaxed.max_line_length = SIZE_MAX;
  auto again = sip::parser::parse_datagram(m.bytes(), relaxed);
  if (!again) __builtin_trap();
  if (again->bytes() != m.bytes() || again->body() != m.body() ||
      again->fields().size() != m.fields().size() || again->is_request() != m.is_request())
    __builtin_trap();
}

// Drains the framer; returns false once it has failed.
bool drain(StreamFramer& f, const Limits& limits, Run& run, std::size_t& accounted) {
  for (;;) {
    FrameEvent ev = f.next();
    switch (ev.kind) {
      case FrameEvent::Kind::NeedMore:
        if (f.failed()) __builtin_trap();
        if (f.buffered() > limits.max_message_size) __builtin_trap();  // unbounded buffering
        return true;
      case FrameEvent::Kind::Message:
        check_message(ev.message, limits);
        accounted += ev.message.bytes().size();
        run.messages.emplace_back(ev.message.bytes());
        break;
      case FrameEvent::Kind::Ping: accounted += 4; break;
      case FrameEvent::Kind::Pong: accounted += 2; break;
      case FrameEvent::Kind::Error:
        if (!f.failed() || f.buffered() != 0) __builtin_trap();
        if (ev.error.code == sip::Errc::ok) __builtin_trap();
        // Sticky: further calls, and further bytes, change nothing.
        if (f.next().kind != FrameEvent::Kind::Error) __builtin_trap();
        f.feed("INVITE sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n");
        if (f.buffered() != 0 || f.next().kind != FrameEvent::Kind::Error) __builtin_trap();
        run.failed = true;
        return false;
    }
  }
}

Run run_stream(std::string_view stream, const std::vector<std::size_t>& sizes,
               const Limits& limits) {
  Run run;
  StreamFramer f(limits);
  std::size_t fed = 0, accounted = 0, i = 0;
  while (fed < stream.size()) {
    const std::size_t n = std::min(sizes[i++ % sizes.size()], stream.size() - fed);
    f.feed(stream.substr(fed, n));
    fed += n;
    if (!drain(f, limits, run, accounted)) return run;
    if (accounted + f.buffered() != fed) __builtin_trap();  // bytes lost or duplicated
  }
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const unsigned b0 = data[0];
  const std::size_t k = std::min<std::size_t>((b0 & 7U) + 1, size - 1);
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < k; ++i) sizes.push_back(static_cast<std::size_t>(data[1 + i]) + 1);
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1 + k, size - 1 - k);
  const Limits limits = profile(b0 >> 3);

  const Run chunked = run_stream(stream, sizes, limits);
  const Run whole = run_stream(stream, {stream.size() + 1}, limits);
  // Messages framed from the same bytes must not depend on how they arrived.
  const std::size_t common = std::min(chunked.messages.size(), whole.messages.size());
  for (std::size_t i = 0; i < common; ++i)
    if (chunked.messages[i] != whole.messages[i]) __builtin_trap();
  return 0;
}
