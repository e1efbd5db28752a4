// TransactionLayer: construction, the TU-facing calls, the TxnEnv the
// machines run on, and the table's bookkeeping. Inbound matching and
// dispatch live in layer_dispatch.cpp.
#include "sip/transaction/transaction_layer.hpp"

#include <utility>

#include "sip/message/builder.hpp"
#include "sip/transaction/client_invite.hpp"
#include "sip/transaction/client_non_invite.hpp"
#include "sip/transaction/derived_request.hpp"
#include "sip/transaction/matching.hpp"
#include "sip/transaction/server_txn.hpp"

namespace sip::txn {
namespace {

constexpr TxnId raw(ClientId id) noexcept {
  return static_cast<TxnId>(id);
}
constexpr TxnId raw(ServerId id) noexcept {
  return static_cast<TxnId>(id);
}

}  // namespace

TransactionLayer::TransactionLayer(transport::Sender& sender, TimerService& timers,
                                   TransactionUser& user, TimerConfig config)
    : sender_(sender), timers_(timers), user_(user), config_(config) {}

TransactionLayer::~TransactionLayer() {
  // Machines cancel their timers as they go; do it while the layer is whole.
  held_cancels_.clear();
  clients_.clear();
  servers_.clear();
}

// ---- client side

Result<ClientId> TransactionLayer::send_request(msg::Message request, transport::Destination dest,
                                                ClientEvents events) {
  if (!request.is_request()) return make_error(Errc::bad_start_line, 0, "not a request");
  if (request.method() == msg::Method::Ack)
    return make_error(Errc::bad_method, 0, "ACK is not sent through a transaction");
  const auto via = request.top_via();
  if (!via || !is_rfc3261_branch(via->branch()))
    return make_error(Errc::bad_value, 0, "top Via needs an RFC 3261 branch");
  if (!request.cseq()) return make_error(Errc::bad_value, 0, "request lacks a CSeq");
  std::string key = client_key(via->branch(), request.method_token());
  if (client_index_.contains(key)) return make_error(Errc::bad_value, 0, "branch already in use");

  const TxnId id = next_id_++;
  std::shared_ptr<ClientTxn> txn;
  if (request.method() == msg::Method::Invite) {
    if (config_.use_timer_c && !events.on_timer_c)
      events.on_timer_c = [this, id] { (void)send_cancel(ClientId{id}); };
    txn = std::make_shared<ClientInvite>(env(), id, std::move(request), std::move(dest),
                                         std::move(events));
  } else {
    txn = std::make_shared<ClientNonInvite>(env(), id, std::move(request), std::move(dest),
                                            std::move(events));
  }
  client_index_.emplace(key, id);
  clients_.emplace(id, ClientEntry{txn, std::move(key)});
  log_txn(id, "client started", txn->request().method_token());
  txn->start();
  settle_client(id);
  return ClientId{id};
}

Result<ClientId> TransactionLayer::send_cancel(ClientId invite, ClientEvents events) {
  const auto it = clients_.find(raw(invite));
  if (it == clients_.end() || !it->second.txn->is_invite() || !it->second.txn->awaiting_final())
    return make_error(Errc::not_found, 0, "no INVITE awaiting a final response");
  const auto inv = std::static_pointer_cast<ClientInvite>(it->second.txn);
  if (inv->cancel_was_requested())
    return make_error(Errc::bad_value, 0, "CANCEL already requested");
  auto cancel = make_cancel(inv->request());
  if (!cancel) return cancel.error();
  const auto via = cancel->top_via();
  std::string key = client_key(via ? via->branch() : std::string_view{}, "CANCEL");
  if (!via || client_index_.contains(key))
    return make_error(Errc::bad_value, 0, "CANCEL branch unusable");

  const TxnId id = next_id_++;
  auto txn = std::make_shared<ClientNonInvite>(env(), id, std::move(cancel).value(),
                                               inv->destination(), std::move(events));
  client_index_.emplace(key, id);
  clients_.emplace(id, ClientEntry{txn, std::move(key)});
  inv->cancel_requested();
  if (inv->provisional_seen()) {
    log_txn(id, "CANCEL sent for", std::to_string(raw(invite)));
    txn->start();
    settle_client(id);
  } else {
    log_txn(id, "CANCEL held until a provisional for", std::to_string(raw(invite)));
    held_cancels_.emplace(raw(invite), id);
  }
  return ClientId{id};
}

void TransactionLayer::abandon(ClientId id) noexcept {
  const auto it = clients_.find(raw(id));
  if (it == clients_.end()) return;
  const auto txn = it->second.txn;
  txn->abandon();
  settle_client(raw(id));
}

// ---- server side

Result<void> TransactionLayer::respond(ServerId id, msg::Message response) {
  if (!response.is_response() || response.status() < 100 || response.status() > 699)
    return make_error(Errc::bad_status, 0, "not a response");
  const auto it = servers_.find(raw(id));
  if (it == servers_.end()) return make_error(Errc::not_found, 0, "no such server transaction");
  const auto txn = it->second.txn;
  Result<void> r = txn->respond(std::move(response));
  settle_server(raw(id));
  return r;
}

Result<void> TransactionLayer::respond(ServerId id, int status, std::string_view reason) {
  const auto it = servers_.find(raw(id));
  if (it == servers_.end()) return make_error(Errc::not_found, 0, "no such server transaction");
  ServerTxn& txn = *it->second.txn;
  const std::string_view tag = status > 100 ? txn.local_tag() : std::string_view{};
  auto built = msg::make_response(txn.request(), status, reason, tag).build();
  if (!built) return built.error();
  return respond(id, std::move(built).value());
}

void TransactionLayer::handle_dropped(ServerId id) noexcept {
  const auto it = servers_.find(raw(id));
  if (it == servers_.end() || !it->second.txn->awaiting_final()) return;
  log_txn(raw(id), "dropped by the TU without a final response: 500");
  (void)respond(id, 500);
}

// ---- introspection

TxnState TransactionLayer::state(ClientId id) const noexcept {
  const auto it = clients_.find(raw(id));
  return it == clients_.end() ? TxnState::Terminated : it->second.txn->state();
}

TxnState TransactionLayer::state(ServerId id) const noexcept {
  const auto it = servers_.find(raw(id));
  return it == servers_.end() ? TxnState::Terminated : it->second.txn->state();
}

// ---- TxnEnv: timers and sends come back by id, never by machine pointer

TimerId TransactionLayer::start_timer(TxnId id, TimerKind kind, Duration after) {
  return timers_.start(after, [this, id, kind] { timer_fired(id, kind); });
}

void TransactionLayer::cancel_timer(TimerId timer) noexcept {
  timers_.cancel(timer);
}

void TransactionLayer::send(TxnId id, const transport::Destination& to, std::string bytes) {
  sender_.send(to, std::move(bytes),
               [this, alive = std::weak_ptr<int>(alive_), id](Result<transport::Origin> r) {
                 if (!alive.expired()) send_done(id, r);
               });
}

void TransactionLayer::timer_fired(TxnId id, TimerKind kind) {
  if (const auto c = clients_.find(id); c != clients_.end()) {
    const auto txn = c->second.txn;  // keeps it alive if the TU abandons it meanwhile
    txn->timer_fired(kind);
    settle_client(id);
  } else if (const auto s = servers_.find(id); s != servers_.end()) {
    const auto txn = s->second.txn;
    txn->timer_fired(kind);
    settle_server(id);
  }
}

void TransactionLayer::send_done(TxnId id, const Result<transport::Origin>& result) {
  if (const auto c = clients_.find(id); c != clients_.end()) {
    const auto txn = c->second.txn;
    txn->send_done(result);
    settle_client(id);
  } else if (const auto s = servers_.find(id); s != servers_.end()) {
    const auto txn = s->second.txn;
    txn->send_done(result);
    settle_server(id);
  }
}

// ---- bookkeeping

void TransactionLayer::settle_client(TxnId id) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return;
  const auto txn = it->second.txn;
  if (const auto held = held_cancels_.find(id); held != held_cancels_.end()) {
    const auto& inv = static_cast<const ClientInvite&>(*txn);
    const TxnId cancel = held->second;
    if (!inv.awaiting_final()) {
      held_cancels_.erase(held);
      abandon(ClientId{cancel});  // the INVITE completed first: nothing to cancel
    } else if (inv.provisional_seen()) {
      held_cancels_.erase(held);
      if (const auto c = clients_.find(cancel); c != clients_.end()) {
        const auto cancel_txn = c->second.txn;
        cancel_txn->set_destination(inv.destination());
        log_txn(cancel, "held CANCEL sent");
        cancel_txn->start();
        settle_client(cancel);
      }
    }
  }
  if (txn->terminated()) erase_client(id);
}

void TransactionLayer::settle_server(TxnId id) {
  const auto it = servers_.find(id);
  if (it == servers_.end()) return;
  const auto txn = it->second.txn;
  if (const auto failure = txn->take_failure()) user_.on_server_failed(ServerId{id}, *failure);
  if (txn->terminated()) erase_server(id);
}

void TransactionLayer::erase_client(TxnId id) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return;
  if (const auto k = client_index_.find(it->second.key);
      k != client_index_.end() && k->second == id)
    client_index_.erase(k);
  clients_.erase(it);
  log_txn(id, "client removed");
  if (const auto held = held_cancels_.find(id); held != held_cancels_.end()) {
    const TxnId cancel = held->second;
    held_cancels_.erase(held);
    abandon(ClientId{cancel});
  }
}

void TransactionLayer::erase_server(TxnId id) {
  const auto it = servers_.find(id);
  if (it == servers_.end()) return;
  if (it->second.legacy) {
    auto [b, e] = legacy_index_.equal_range(it->second.key);
    for (; b != e; ++b)
      if (b->second == id) {
        legacy_index_.erase(b);
        break;
      }
  } else if (const auto k = server_index_.find(it->second.key);
             k != server_index_.end() && k->second == id) {
    server_index_.erase(k);
  }
  servers_.erase(it);
  log_txn(id, "server removed");
}

}  // namespace sip::txn
