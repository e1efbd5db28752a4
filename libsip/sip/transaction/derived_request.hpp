// Requests a client transaction derives from the request it sent: the ACK
// for a non-2xx final response (RFC 3261 17.1.1.3) and CANCEL (9.1). Both
// copy the Request-URI, Call-ID, From, the CSeq number, only the top Via and
// every Route value, and carry Max-Forwards: 70 and no body.
// Thread-safety: pure functions; the result owns its bytes.
#pragma once

#include <string>

#include "sip/base/result.hpp"
#include "sip/message/message.hpp"

namespace sip::txn {

// The ACK for `response` (300-699) to `invite`; To comes from the response.
Result<std::string> make_ack(const msg::Message& invite, const msg::Message& response);
// The CANCEL of `request`; To comes from the request.
Result<msg::Message> make_cancel(const msg::Message& request);

}  // namespace sip::txn
