#include "sip/parser/stream_framer.hpp"

namespace sip::parser {

void StreamFramer::feed(std::string_view bytes) {
  if (failed_) return;
  if (consumed_ > 0 && consumed_ == buf_.size()) {
    buf_.clear();
    consumed_ = 0;
  }
  buf_.append(bytes);
}

FrameEvent StreamFramer::fail(Errc code, std::size_t offset, const char* detail) {
  failed_ = true;
  buf_.clear();
  consumed_ = 0;
  FrameEvent e;
  e.kind = FrameEvent::Kind::Error;
  e.error = make_error(code, offset, detail);
  return e;
}

FrameEvent StreamFramer::next() {
  FrameEvent ev;
  if (failed_) {
    ev.kind = FrameEvent::Kind::Error;
    ev.error = make_error(Errc::bad_header, 0, "stream already failed");
    return ev;
  }
  std::string_view pending = std::string_view(buf_).substr(consumed_);
  if (head_end_ == 0) {
    // Keep-alives are only recognised between messages (RFC 5626 3.5.1).
    if (pending.starts_with("\r\n")) {
      if (pending.size() >= 4 && pending.substr(2, 2) == "\r\n") {
        consumed_ += 4;
        ev.kind = FrameEvent::Kind::Ping;
        return ev;
      }
      // A lone CRLF is a pong; so is "\r\n\r" followed by anything but '\n'.
      if (pending.size() == 2 || pending[2] != '\r' ||
          (pending.size() >= 4 && pending[3] != '\n')) {
        consumed_ += 2;
        ev.kind = FrameEvent::Kind::Pong;
        return ev;
      }
      return ev;  // "\r\n\r": wait for the fourth byte
    }
    const std::size_t end = find_head_end(pending);
    if (end == std::string_view::npos) {
      if (pending.size() > limits_.max_message_size)
        return fail(Errc::message_too_large, limits_.max_message_size, "header block too large");
      return ev;
    }
    // Move the pending message to the front so that offsets start at 0.
    if (consumed_ > 0) {
      buf_.erase(0, consumed_);
      consumed_ = 0;
    }
    auto head = parse_head(buf_, end, limits_);
    if (!head) return fail(head.error().code, head.error().offset, head.error().detail);
    if (!head->content_length)
      return fail(Errc::missing_content_length, 0, "Content-Length required on a stream");
    if (*head->content_length > limits_.max_body_size)
      return fail(Errc::body_too_large, end, "body too large");
    if (end + *head->content_length > limits_.max_message_size)
      return fail(Errc::message_too_large, end, "message too large");
    head_end_ = end;
    body_len_ = *head->content_length;
    head_ = std::move(*head);
    pending = std::string_view(buf_);
  }
  const std::size_t total = head_end_ + body_len_;
  if (pending.size() < total) return ev;
  // The head was indexed when it completed; its spans start at 0 because
  // the message was moved to the front of the buffer then.
  std::string bytes(buf_, 0, total);
  consumed_ = total;
  const msg::Span body{static_cast<std::uint32_t>(head_end_),
                       static_cast<std::uint32_t>(body_len_)};
  head_end_ = 0;
  body_len_ = 0;
  ev.kind = FrameEvent::Kind::Message;
  ev.message = msg::Message(std::move(bytes), head_.start, std::move(head_.fields), body);
  head_ = Head{};
  return ev;
}

}  // namespace sip::parser
