// Edits a received message into a new one (proxying, B2BUA legs, responses
// derived from requests). Untouched header lines are copied byte for byte;
// edited lines are rewritten; Content-Length is always recomputed from the
// final body and any received Content-Length is dropped.
// Thread-safety: one editor per thread; the source Message must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/result.hpp"
#include "sip/message/message.hpp"

namespace sip::msg {

class MessageEditor {
 public:
  explicit MessageEditor(const Message& source);

  void set_request_uri(std::string_view uri);  // requests only
  void set_method(std::string_view method);    // requests only (e.g. ACK from INVITE)
  void set_status(int status, std::string_view reason = {});  // responses only

  // Operations on one header value (one list element) of the source.
  void remove(const HeaderField& f);
  void replace(const HeaderField& f, std::string_view new_value);
  // Inserts a new header line before the line holding `f`.
  void insert_before(const HeaderField& f, std::string_view name, std::string_view value);
  // Removes every value of a header.
  void remove_all(HeaderId id);
  void remove_all(std::string_view name);
  // New header line before all headers (e.g. our Via) or after all headers.
  void prepend(std::string_view name, std::string_view value);
  void append(std::string_view name, std::string_view value);
  // Replaces the body; a non-empty content type replaces Content-Type (an
  // empty body with an empty type removes Content-Type).
  void set_body(std::string_view body, std::string_view content_type = {});

  std::string serialize() const;
  void serialize_to(std::string& out) const;
  // serialize() then parse, for callers that need a Message.
  Result<Message> to_message() const;

 private:
  struct Insert {
    std::size_t before_field;  // index into source fields; SIZE_MAX = at the end
    std::string line;          // "Name: value"
  };
  const Message& src_;
  std::optional<std::string> start_line_;
  std::optional<std::string> method_;
  std::optional<std::string> uri_;
  // Per source field: nullopt = keep, "" with removed_ = gone, else new value.
  std::vector<std::optional<std::string>> replaced_;
  std::vector<bool> removed_;
  std::vector<Insert> inserts_;
  std::optional<std::string> body_;
  std::optional<std::string> content_type_;
};

}  // namespace sip::msg
