#include <utility>

#include "sip/transaction/transaction_layer.hpp"
#include "sip/transaction/transaction_user.hpp"

namespace sip::txn {

ServerTransaction::ServerTransaction(ServerTransaction&& other) noexcept
    : layer_(std::exchange(other.layer_, nullptr)), id_(std::exchange(other.id_, ServerId{})) {}

ServerTransaction& ServerTransaction::operator=(ServerTransaction&& other) noexcept {
  if (this != &other) {
    reset();
    layer_ = std::exchange(other.layer_, nullptr);
    id_ = std::exchange(other.id_, ServerId{});
  }
  return *this;
}

ServerTransaction::~ServerTransaction() {
  reset();
}

Result<void> ServerTransaction::respond(msg::Message response) {
  if (!layer_) return make_error(Errc::not_found, 0, "empty ServerTransaction handle");
  return layer_->respond(id_, std::move(response));
}

Result<void> ServerTransaction::respond(int status, std::string_view reason) {
  if (!layer_) return make_error(Errc::not_found, 0, "empty ServerTransaction handle");
  return layer_->respond(id_, status, reason);
}

ServerId ServerTransaction::release() noexcept {
  layer_ = nullptr;
  return id_;
}

void ServerTransaction::reset() noexcept {
  if (TransactionLayer* layer = std::exchange(layer_, nullptr)) layer->handle_dropped(id_);
}

}  // namespace sip::txn
