#include "sip/transaction/derived_request.hpp"

#include "sip/message/builder.hpp"

namespace sip::txn {
namespace {

Result<msg::MessageBuilder> derive(const msg::Message& request, std::string_view method,
                                   std::string_view to) {
  const msg::HeaderField* via = request.first(msg::HeaderId::Via);
  const auto cseq = request.cseq();
  if (!request.is_request() || !via || !cseq || request.call_id().empty() ||
      request.value(msg::HeaderId::From).empty() || to.empty())
    return make_error(Errc::not_found, 0, "request lacks Via, From, To, Call-ID or CSeq");
  msg::MessageBuilder b = msg::MessageBuilder::request(method, request.request_uri_text());
  b.header("Via", request.text(via->value));
  request.for_each(msg::HeaderId::Route,
                   [&](const msg::HeaderField& f) { b.header("Route", request.text(f.value)); });
  b.header("Max-Forwards", "70");
  b.header("From", request.value(msg::HeaderId::From));
  b.header("To", to);
  b.header("Call-ID", request.call_id());
  std::string cseq_value = std::to_string(cseq->number);
  cseq_value.append(" ").append(method);
  b.header("CSeq", cseq_value);
  return b;
}

}  // namespace

Result<std::string> make_ack(const msg::Message& invite, const msg::Message& response) {
  auto b = derive(invite, "ACK", response.value(msg::HeaderId::To));
  if (!b) return b.error();
  return b->serialize();
}

Result<msg::Message> make_cancel(const msg::Message& request) {
  auto b = derive(request, "CANCEL", request.value(msg::HeaderId::To));
  if (!b) return b.error();
  return b->build();
}

}  // namespace sip::txn
