// The engine's TransactionUser: every new request from the transaction layer
// lands here. It validates (RFC 3261 8.2), refuses blocked sources, sends
// REGISTER to the registrar, answers OPTIONS addressed to the server itself
// (also with Max-Forwards: 0, RFC 4475 zeromf), and refuses requests for
// domains not served here (404, no open relay). INVITEs and every request
// inside a dialog (a To tag) go to the B2BUA's call manager, which does its
// own classification (an Out call's request-URI is not a served domain).
// Thread-safety: core thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sip/b2bua/call_manager.hpp"
#include "sip/directory/directory.hpp"
#include "sip/policy/source_guard.hpp"
#include "sip/registrar/registrar.hpp"
#include "sip/transaction/transaction_user.hpp"
#include "sip/transport/address.hpp"

namespace sip::event {
class Bus;
}

namespace sip::engine {

struct DispatchStats {
  std::uint64_t requests = 0;
  std::uint64_t invalid = 0;      // answered by validation (400, 420, 483, 505 ...)
  std::uint64_t dropped = 0;      // validation said drop
  std::uint64_t blocked = 0;      // from blocked sources
  std::uint64_t options = 0;      // OPTIONS answered 200 by the server
  std::uint64_t not_served = 0;   // 404 Domain not serviced
  std::uint64_t not_allowed = 0;  // 405 out-of-dialog methods we do not take
  std::uint64_t calls = 0;        // INVITEs handed to the call manager
  std::uint64_t in_dialog = 0;    // requests with a To tag handed to the call manager
};

class Dispatcher final : public txn::TransactionUser {
 public:
  Dispatcher(const directory::Directory& directory, std::string server_name);
  // The registrar is built after the transaction layer, which needs this
  // object first; set it before the transport starts.
  void set_registrar(registrar::Registrar* registrar) noexcept { registrar_ = registrar; }
  void set_call_manager(b2bua::CallManager* calls) noexcept { calls_ = calls; }
  // Addresses of the server's own listeners: an OPTIONS to one of them is for
  // the server itself.
  void set_local_addresses(std::vector<transport::SocketAddress> addresses);
  // Requests from sources `guard` blocks get 403 "Blocked" (nothing when
  // `silently`) before anything else looks at them; null: no blocking.
  void set_guard(const policy::SourceGuard* guard, bool silently) noexcept {
    guard_ = guard;
    block_silently_ = silently;
  }
  // Console events: each request refused from a blocked source (security
  // "refused", nobody's). Null: none.
  void set_events(event::Bus* events) noexcept { events_ = events; }

  void on_request(txn::ServerTransaction txn, transport::Inbound&& in) override;
  void on_ack_2xx(transport::Inbound&& in) override;
  void on_cancel(txn::ServerId invite, const msg::Message& cancel) override;
  void on_stray_response(transport::Inbound&& in) override;
  void on_server_failed(txn::ServerId id, txn::ServerFailure why) override;

  const DispatchStats& stats() const noexcept { return stats_; }

 private:
  bool is_served_host(std::string_view host) const;
  void answer_options(txn::ServerTransaction& txn, const msg::Message& request);

  const directory::Directory& directory_;
  registrar::Registrar* registrar_ = nullptr;
  b2bua::CallManager* calls_ = nullptr;
  const policy::SourceGuard* guard_ = nullptr;
  event::Bus* events_ = nullptr;
  std::vector<transport::SocketAddress> local_;
  std::string server_name_;
  bool block_silently_ = false;
  DispatchStats stats_;
};

}  // namespace sip::engine
