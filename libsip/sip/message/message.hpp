// A parsed SIP request or response. The Message owns one buffer holding the
// message bytes and indexes its start line and header values as spans into
// it; headers are parsed into typed values lazily, on request, and an
// accessor never creates a header. Messages are produced by sip::parser (or by
// MessageBuilder) and are move-only values.
// Thread-safety: const member functions may run concurrently; views returned
// by accessors live as long as the Message and are invalidated by a move.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/result.hpp"
#include "sip/message/header_id.hpp"
#include "sip/message/header_values.hpp"
#include "sip/message/method.hpp"
#include "sip/uri/uri.hpp"

namespace sip::msg {

// A byte range of the message buffer. Offsets, not pointers, so a Message can
// be moved without fixing anything up.
struct Span {
  std::uint32_t off = 0;
  std::uint32_t len = 0;
  constexpr std::uint32_t end() const noexcept { return off + len; }
};

// One header value. A header line with a comma-separated list of a list
// header (Via, Contact, Route ...) gives one field per element; all of them
// share the same `line`.
struct HeaderField {
  HeaderId id = HeaderId::Other;
  Span name;   // as written (maybe compact, any case)
  Span value;  // LWS-trimmed value (one list element)
  Span line;   // the whole header line "Name: v1, v2" without its line end
};

struct StartLine {
  bool is_request = true;
  Method method = Method::Unknown;
  Span method_token;
  Span uri;
  Span version;  // "SIP/2.0" for both requests and responses
  std::uint16_t status = 0;
  Span reason;
};

class Message {
 public:
  Message() = default;
  // Used by the parser and the builder: `buffer` holds exactly the message
  // (start line to the end of the body); spans index into it.
  Message(std::string buffer, StartLine start, std::vector<HeaderField> fields, Span body);
  Message(Message&&) noexcept = default;
  Message& operator=(Message&&) noexcept = default;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  // Explicit deep copy (forking a request to several legs).
  Message clone() const;

  bool is_request() const noexcept { return start_.is_request; }
  bool is_response() const noexcept { return !start_.is_request; }

  // Requests.
  Method method() const noexcept { return start_.method; }
  std::string_view method_token() const noexcept { return text(start_.method_token); }
  std::string_view request_uri_text() const noexcept { return text(start_.uri); }
  Result<uri::UriView> request_uri() const noexcept;
  // Both.
  std::string_view version() const noexcept { return text(start_.version); }
  // Responses.
  int status() const noexcept { return start_.status; }
  std::string_view reason() const noexcept { return text(start_.reason); }

  std::string_view bytes() const noexcept { return buffer_; }
  std::string_view body() const noexcept { return text(body_); }
  const StartLine& start_line() const noexcept { return start_; }
  const std::vector<HeaderField>& fields() const noexcept { return fields_; }
  Span body_span() const noexcept { return body_; }
  std::string_view text(Span s) const noexcept {
    return std::string_view(buffer_).substr(s.off, s.len);
  }

  // ---- generic lookups (by id for known headers, by name for any header)
  const HeaderField* first(HeaderId id) const noexcept;
  std::size_t count(HeaderId id) const noexcept;
  // First value of a header or "" when absent.
  std::string_view value(HeaderId id) const noexcept;
  // Case-insensitive lookup by full or compact name; works for unknown headers.
  const HeaderField* find(std::string_view name) const noexcept;
  // Calls f(const HeaderField&) for each value of `id`, in message order.
  template <class F>
  void for_each(HeaderId id, F&& f) const {
    for (const HeaderField& h : fields_)
      if (h.id == id) f(h);
  }

  // ---- typed accessors: Errc::not_found when the header is absent, else
  // the parse result with error offsets relative to the message buffer.
  Result<Via> top_via() const noexcept;
  Result<Via> via_at(const HeaderField& f) const noexcept;
  Result<NameAddr> from() const noexcept;
  Result<NameAddr> to() const noexcept;
  std::string_view call_id() const noexcept { return value(HeaderId::CallId); }
  Result<CSeq> cseq() const noexcept;
  Result<std::uint32_t> max_forwards() const noexcept;
  Result<std::uint32_t> expires() const noexcept;
  Result<std::uint32_t> content_length() const noexcept;
  Result<MediaType> content_type() const noexcept;
  Result<ContactValue> contact_at(const HeaderField& f) const noexcept;
  Result<NameAddr> name_addr_at(const HeaderField& f) const noexcept;  // Route, Record-Route ...
  Result<AuthValue> auth_at(const HeaderField& f) const noexcept;
  Result<NameAddr> refer_to() const noexcept;
  Result<Replaces> replaces() const noexcept;
  Result<Reason> reason_header() const noexcept;
  // Option tags of Require / Proxy-Require / Supported / Unsupported, and
  // methods of Allow: f(std::string_view token) for each value.
  template <class F>
  void for_each_token(HeaderId id, F&& f) const {
    for (const HeaderField& h : fields_)
      if (h.id == id && h.value.len != 0) f(text(h.value));
  }
  bool has_token(HeaderId id, std::string_view token) const noexcept;

  // Rewrites one header value (one list element) in place: the bytes of
  // `field`'s value become `new_value` and every later span moves with them
  // (the fields sharing its line keep that line, now longer or shorter). No
  // re-parse: the caller passes a value of the header's syntax without line
  // breaks or (for a list header) top-level commas. `field` must be one of
  // fields(); views taken before the call are invalidated.
  void replace_value(const HeaderField& field, std::string_view new_value);

 private:
  template <class T>
  Result<T> rebase(Result<T> r, const HeaderField& f) const noexcept;

  std::string buffer_;
  StartLine start_;
  std::vector<HeaderField> fields_;
  Span body_;
};

}  // namespace sip::msg
