// TransactionLayer, inbound half: matching (RFC 3261 17.1.3, 17.2.3 and the
// RFC 2543 fallback), retransmission absorption, ACK and CANCEL handling,
// new server transactions, and closed flows.
#include <utility>
#include <vector>

#include "sip/base/log.hpp"
#include "sip/message/builder.hpp"
#include "sip/transaction/client_txn.hpp"
#include "sip/transaction/matching.hpp"
#include "sip/transaction/server_invite.hpp"
#include "sip/transaction/server_non_invite.hpp"
#include "sip/transaction/transaction_layer.hpp"

namespace sip::txn {

void TransactionLayer::on_inbound(transport::Inbound&& in) {
  if (in.message.is_response()) {
    dispatch_response(std::move(in));
  } else {
    dispatch_request(std::move(in));
  }
}

void TransactionLayer::dispatch_response(transport::Inbound&& in) {
  const auto via = in.message.top_via();
  const auto cseq = in.message.cseq();
  if (!via || !cseq) {
    log(LogLevel::Debug, "txn", "response without a usable Via or CSeq dropped");
    return;
  }
  const auto k = client_index_.find(client_key(via->branch(), cseq->method_token));
  if (k == client_index_.end()) {
    user_.on_stray_response(std::move(in));
    return;
  }
  const TxnId id = k->second;
  const auto txn = clients_.at(id).txn;
  txn->on_response(in.message);
  settle_client(id);
}

void TransactionLayer::dispatch_request(transport::Inbound&& in) {
  const msg::Message& m = in.message;
  const auto via = m.top_via();
  if (!via || !m.cseq()) {
    log(LogLevel::Debug, "txn", "request without a usable Via or CSeq dropped");
    return;
  }
  const bool legacy = !is_rfc3261_branch(via->branch());
  if (m.method() == msg::Method::Ack) {
    const TxnId id = find_server(m, *via, legacy, "INVITE", LegacyRule::Ack);
    if (id != 0) {
      const auto txn = servers_.at(id).txn;
      const bool pass_up = txn->is_invite() && static_cast<ServerInvite&>(*txn).on_ack();
      settle_server(id);
      if (!pass_up) return;  // absorbed (Completed -> Confirmed, or a retransmission)
    }
    user_.on_ack_2xx(std::move(in));
    return;
  }
  if (m.method() == msg::Method::Cancel) {
    dispatch_cancel(std::move(in), *via, legacy);
    return;
  }
  if (const TxnId id = find_server(m, *via, legacy, m.method_token(), LegacyRule::Same); id != 0) {
    const auto txn = servers_.at(id).txn;
    txn->on_retransmission();
    settle_server(id);
    return;
  }
  const TxnId id = add_server(in, *via, legacy);
  user_.on_request(ServerTransaction(this, ServerId{id}), std::move(in));
}

// 9.2: the CANCEL gets its own server transaction, answered here: 200 when
// it matches an INVITE transaction (with that transaction's To tag), 481
// otherwise. An INVITE still awaiting its final response is offered to the
// TU and then answered 487 if the TU did not answer it.
void TransactionLayer::dispatch_cancel(transport::Inbound&& in, const msg::Via& via, bool legacy) {
  const msg::Message& cancel = in.message;
  if (const TxnId own = find_server(cancel, via, legacy, "CANCEL", LegacyRule::Same); own != 0) {
    const auto txn = servers_.at(own).txn;
    txn->on_retransmission();
    settle_server(own);
    return;
  }
  const TxnId invite = find_server(cancel, via, legacy, "INVITE", LegacyRule::Cancel);
  const TxnId id = add_server(in, via, legacy);
  std::shared_ptr<ServerTxn> inv;
  if (invite != 0 && servers_.at(invite).txn->is_invite()) inv = servers_.at(invite).txn;
  if (!inv) {
    log_txn(id, "CANCEL matches no INVITE: 481");
    (void)respond(ServerId{id}, 481);
    return;
  }
  auto ok = msg::make_response(servers_.at(id).txn->request(), 200, {}, inv->local_tag()).build();
  if (ok) (void)respond(ServerId{id}, std::move(ok).value());
  if (!inv->awaiting_final()) return;  // too late: the CANCEL has no effect
  log_txn(invite, "cancelled by", std::to_string(id));
  user_.on_cancel(ServerId{invite}, cancel);
  if (inv->awaiting_final()) (void)respond(ServerId{invite}, 487);
}

TxnId TransactionLayer::find_server(const msg::Message& request, const msg::Via& via, bool legacy,
                                    std::string_view method, LegacyRule rule) const {
  if (!legacy) {
    const auto it = server_index_.find(server_key(via, method));
    return it == server_index_.end() ? 0 : it->second;
  }
  auto [b, e] = legacy_index_.equal_range(legacy_key(request));
  for (; b != e; ++b) {
    const auto s = servers_.find(b->second);
    if (s == servers_.end()) continue;
    const ServerTxn& t = *s->second.txn;
    if (legacy_match(t.request(), t.final_to_tag(), request, rule)) return b->second;
  }
  return 0;
}

TxnId TransactionLayer::add_server(const transport::Inbound& in, const msg::Via& via, bool legacy) {
  const TxnId id = next_id_++;
  std::shared_ptr<ServerTxn> txn;
  if (in.message.method() == msg::Method::Invite) {
    txn = std::make_shared<ServerInvite>(env(), id, in);
  } else {
    txn = std::make_shared<ServerNonInvite>(env(), id, in);
  }
  std::string key = legacy ? legacy_key(in.message) : server_key(via, in.message.method_token());
  if (legacy) {
    legacy_index_.emplace(key, id);
  } else {
    server_index_.emplace(key, id);
  }
  servers_.emplace(id, ServerEntry{txn, std::move(key), legacy});
  log_txn(id, legacy ? "server started (RFC 2543 matching)" : "server started",
          in.message.method_token());
  txn->start();
  return id;
}

void TransactionLayer::on_flow_closed(transport::FlowId flow, const Error& why) {
  std::vector<TxnId> ids;
  for (const auto& [id, entry] : clients_)
    if (entry.txn->destination().flow == flow) ids.push_back(id);
  for (const TxnId id : ids) {
    const auto it = clients_.find(id);
    if (it == clients_.end()) continue;
    const auto txn = it->second.txn;
    txn->on_flow_closed(flow, why);
    settle_client(id);
  }
}

}  // namespace sip::txn
