// The engine's TransactionUser: every new request from the transaction layer
// lands here. It validates (RFC 3261 8.2), refuses blocked sources, sends
// REGISTER to the registrar, answers OPTIONS addressed to the server itself
// (also with Max-Forwards: 0, RFC 4475 zeromf), and refuses requests for
// domains not served here (404, no open relay). Calls (INVITE and in-dialog
// requests) belong to the B2BUA of a later issue and get 501 until then.
// Thread-safety: core thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sip/directory/directory.hpp"
#include "sip/registrar/registrar.hpp"
#include "sip/transaction/transaction_user.hpp"
#include "sip/transport/address.hpp"

namespace sip::engine {

struct DispatchStats {
  std::uint64_t requests = 0;
  std::uint64_t invalid = 0;          // answered by validation (400, 420, 483, 505 ...)
  std::uint64_t dropped = 0;          // validation said drop
  std::uint64_t blocked = 0;          // from blocked sources
  std::uint64_t options = 0;          // OPTIONS answered 200 by the server
  std::uint64_t not_served = 0;       // 404 Domain not serviced
  std::uint64_t not_implemented = 0;  // 501 (methods of later issues)
};

class Dispatcher final : public txn::TransactionUser {
 public:
  Dispatcher(const directory::Directory& directory, std::string server_name);
  // The registrar is built after the transaction layer, which needs this
  // object first; set it before the transport starts.
  void set_registrar(registrar::Registrar* registrar) noexcept { registrar_ = registrar; }
  // Addresses of the server's own listeners: an OPTIONS to one of them is for
  // the server itself.
  void set_local_addresses(std::vector<transport::SocketAddress> addresses);
  void set_blocking(bool silently) noexcept { block_silently_ = silently; }

  void on_request(txn::ServerTransaction txn, transport::Inbound&& in) override;
  void on_ack_2xx(transport::Inbound&& in) override;

  const DispatchStats& stats() const noexcept { return stats_; }

 private:
  bool is_served_host(std::string_view host) const;
  void answer_options(txn::ServerTransaction& txn, const msg::Message& request);

  const directory::Directory& directory_;
  registrar::Registrar* registrar_ = nullptr;
  std::vector<transport::SocketAddress> local_;
  std::string server_name_;
  bool block_silently_ = false;
  DispatchStats stats_;
};

}  // namespace sip::engine
