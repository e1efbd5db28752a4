// The checks a server applies to a received message before acting on it
// (RFC 3261 8.2, 16.3, 18.1.2): version, mandatory and single-valued headers,
// the syntax of the headers every role reads, CSeq/method agreement, URI
// scheme, Max-Forwards and Require/Proxy-Require option tags. It returns the
// reaction: accept, answer with a status code, or drop silently (responses,
// ACKs and messages that cannot be answered). Application state (bindings,
// credentials, dialogs) is not consulted. Thread-safety: pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "sip/base/result.hpp"
#include "sip/message/message.hpp"

namespace sip::msg {

struct ValidationPolicy {
  // Option tags this element implements; Require/Proxy-Require naming any
  // other tag gets 420 Bad Extension with an Unsupported header.
  std::span<const std::string_view> supported_options{};
  // A forwarding element (proxy, B2BUA leg) answers Max-Forwards: 0 with 483.
  // An element that is itself the target (registrar, OPTIONS to the server)
  // clears this and processes the request.
  bool reject_max_forwards_zero = true;
};

struct Verdict {
  enum class Action { Accept, Respond, Drop };
  Action action = Action::Accept;
  int status = 0;           // Respond: the status code to send
  std::string_view reason;  // Respond: reason phrase (static text)
  std::string unsupported;  // 420: value for the Unsupported header
  Error error;              // what was wrong (for logs and counters)

  bool accepted() const noexcept { return action == Action::Accept; }
};

Verdict validate_request(const Message& m, const ValidationPolicy& policy = {});
// Responses are never answered: a bad one is dropped.
Verdict validate_response(const Message& m);
// The reaction to a message that could not be parsed: requests get 400
// (513 when too large), responses and unidentifiable input are dropped.
// `raw` is the received input, used to tell requests from responses.
Verdict verdict_for_parse_error(std::string_view raw, const Error& error);

}  // namespace sip::msg
