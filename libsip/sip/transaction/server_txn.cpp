#include "sip/transaction/server_txn.hpp"

#include "sip/base/random.hpp"

namespace sip::txn {
namespace {

// Only the tag is needed: the To's parameters without parsing its URI.
std::string_view to_tag_of(const msg::Message& m) noexcept {
  const msg::HeaderField* to = m.first(msg::HeaderId::To);
  if (to == nullptr) return {};
  const auto params = msg::name_addr_params(m.text(to->value));
  if (!params) return {};
  return msg::find_generic_param(*params, "tag").value_or(std::string_view{});
}

}  // namespace

transport::Destination reply_destination(const transport::Origin& origin) {
  transport::Destination d;
  d.kind = origin.kind;
  d.address = origin.remote;
  d.flow = origin.flow;
  return d;
}

ServerTxn::ServerTxn(TxnEnv& env, TxnId id, TxnState initial, const transport::Inbound& request)
    : Txn(env, id, transport::is_reliable(request.origin.kind), initial),
      request_(request.message.clone()),
      reply_(reply_destination(request.origin)),
      tag_(to_tag_of(request_)) {}

std::string_view ServerTxn::local_tag() {
  if (tag_.empty()) tag_ = make_tag();
  return tag_;
}

std::optional<ServerFailure> ServerTxn::take_failure() noexcept {
  auto f = failure_;
  failure_.reset();
  return f;
}

void ServerTxn::on_send_result(const Result<transport::Origin>& result) {
  if (result) return;
  log_txn(id(), "transport error", result.error().detail);
  fail(ServerFailure::TransportError);
  on_transport_error();
}

void ServerTxn::note_response(const msg::Message& response) {
  const std::string_view tag = to_tag_of(response);
  if (tag_.empty()) tag_ = std::string(tag);
  if (response.status() >= 200) final_tag_ = std::string(tag);
}

}  // namespace sip::txn
