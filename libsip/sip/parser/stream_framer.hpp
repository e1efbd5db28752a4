// Splits a byte stream (TCP, TLS) into SIP messages (RFC 3261 18.3) and
// RFC 5626 keep-alives. Content-Length is mandatory on streams. After an
// Error the stream cannot be resynchronised and the connection should be
// closed; the framer stays in the error state.
// Thread-safety: one framer per connection, used by one thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"
#include "sip/message/message.hpp"
#include "sip/parser/parse.hpp"

namespace sip::parser {

struct FrameEvent {
  enum class Kind {
    NeedMore,  // nothing complete yet: feed more bytes
    Message,   // `message` holds the next message
    Ping,      // CRLF CRLF between messages: answer with one CRLF (pong)
    Pong,      // a single CRLF between messages (the answer to our ping)
    Error,     // `error` says why; close the connection
  };
  Kind kind = Kind::NeedMore;
  msg::Message message;
  Error error;
};

class StreamFramer {
 public:
  explicit StreamFramer(const Limits& limits = {}) : limits_(limits) {}

  // Appends received bytes. Bytes fed after an error are discarded.
  void feed(std::string_view bytes);
  // Returns the next complete item; call until it returns NeedMore.
  FrameEvent next();

  // Bytes held but not yet returned as a message.
  std::size_t buffered() const noexcept { return buf_.size() - consumed_; }
  bool failed() const noexcept { return failed_; }

 private:
  FrameEvent fail(Errc code, std::size_t offset, const char* detail);

  Limits limits_;
  std::string buf_;
  std::size_t consumed_ = 0;  // bytes at the front already handed out
  bool failed_ = false;
  // Cached head of the message being received (parsed once).
  std::size_t head_end_ = 0;  // 0: head not complete yet
  std::size_t body_len_ = 0;
  Head head_;
};

}  // namespace sip::parser
