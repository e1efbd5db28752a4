// Builds new requests and responses from parts, and responses to received
// requests per RFC 3261 8.2.6 (Via, From, To, Call-ID, CSeq copied; a To tag
// added when the request had none). Content-Length is always written.
// Thread-safety: plain value; one builder per thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sip/base/result.hpp"
#include "sip/message/message.hpp"

namespace sip::msg {

class MessageBuilder {
 public:
  static MessageBuilder request(std::string_view method, std::string_view request_uri);
  static MessageBuilder response(int status, std::string_view reason = {});

  MessageBuilder& header(std::string_view name, std::string_view value);
  MessageBuilder& body(std::string_view content_type, std::string_view body);

  std::string serialize() const;
  Result<Message> build() const;  // serialize() then parse

 private:
  std::string start_line_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string content_type_;
  std::string body_;
};

// A response to `request`: copies all Via values, From, To, Call-ID and CSeq;
// sets the To tag to `to_tag` when the request's To has none and the status
// is above 100. Further headers can be added to the returned builder.
MessageBuilder make_response(const Message& request, int status, std::string_view reason = {},
                             std::string_view to_tag = {});

// A stateless error response to input that did not parse: copies the Via,
// From, To, Call-ID and CSeq lines found in `raw` (by a tolerant line scan,
// compact forms included) and adds a Warning with `detail`. nullopt when one
// of them is missing, so that nothing is sent to an unknown place.
std::optional<std::string> best_effort_error_response(std::string_view raw, int status,
                                                      std::string_view detail);

}  // namespace sip::msg
