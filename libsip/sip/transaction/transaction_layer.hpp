// TransactionLayer: the transaction table of RFC 3261 section 17 between the
// transport (it is the transport's InboundHandler and sends through its
// Sender) and one TransactionUser. It matches responses to client
// transactions (17.1.3) and requests to server transactions (17.2.3, RFC 2543
// rules for branches without the cookie), absorbs retransmissions, answers
// CANCEL, and hands everything else up.
// Thread-safety: core thread only, no locks. Ownership: the layer owns every
// transaction; callers hold ClientId/ServerId values or ServerTransaction
// handles. Sender, TimerService and TransactionUser must outlive the layer;
// the layer must outlive every ServerTransaction handle.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sip/base/result.hpp"
#include "sip/base/timer.hpp"
#include "sip/transaction/matching.hpp"
#include "sip/transaction/transaction_user.hpp"
#include "sip/transaction/txn.hpp"
#include "sip/transaction/types.hpp"
#include "sip/transport/transport.hpp"

namespace sip::txn {

class ClientTxn;
class ServerTxn;

class TransactionLayer final : public transport::InboundHandler, private TxnEnv {
 public:
  TransactionLayer(transport::Sender& sender, TimerService& timers, TransactionUser& user,
                   TimerConfig config = {});
  ~TransactionLayer() override;
  TransactionLayer(const TransactionLayer&) = delete;
  TransactionLayer& operator=(const TransactionLayer&) = delete;

  // ---- client side
  // Starts a client transaction. `request` must carry a top Via whose branch
  // is an RFC 3261 branch (sip::make_branch()) not in use, and a CSeq; ACK is
  // refused (the ACK for a 2xx is the dialog's, not a transaction). Events
  // may run before this returns when the Sender completes synchronously.
  Result<ClientId> send_request(msg::Message request, transport::Destination dest,
                                ClientEvents events);
  // Cancels a pending INVITE (9.1): builds the CANCEL and sends it as its own
  // transaction, at once or, before any provisional, when the first arrives
  // (it is dropped if the INVITE completes first). Without a final response
  // 64*T1 later the INVITE times out.
  Result<ClientId> send_cancel(ClientId invite, ClientEvents events = {});
  // Ends a client transaction without further events or sends.
  void abandon(ClientId id) noexcept;

  // ---- server side
  // Sends a response on a server transaction (status 100-699).
  Result<void> respond(ServerId id, msg::Message response);
  // Builds the response with msg::make_response and the transaction's To tag.
  Result<void> respond(ServerId id, int status, std::string_view reason = {});

  // ---- introspection (Terminated for unknown ids)
  TxnState state(ClientId id) const noexcept;
  TxnState state(ServerId id) const noexcept;
  std::size_t client_count() const noexcept { return clients_.size(); }
  std::size_t server_count() const noexcept { return servers_.size(); }
  const TimerConfig& config() const noexcept override { return config_; }

  // ---- transport::InboundHandler
  void on_inbound(transport::Inbound&& in) override;
  // Fails reliable client transactions on `flow` still awaiting a final.
  void on_flow_closed(transport::FlowId flow, const Error& why) override;

 private:
  friend class ServerTransaction;
  struct ClientEntry {
    std::shared_ptr<ClientTxn> txn;
    std::string key;
  };
  struct ServerEntry {
    std::shared_ptr<ServerTxn> txn;
    std::string key;
    bool legacy = false;  // indexed by RFC 2543 rules
  };

  // TxnEnv (a private base: make_shared needs the conversion done here)
  TxnEnv& env() noexcept { return *this; }
  TimerId start_timer(TxnId id, TimerKind kind, Duration after) override;
  void cancel_timer(TimerId timer) noexcept override;
  void send(TxnId id, const transport::Destination& to, std::string bytes) override;

  void timer_fired(TxnId id, TimerKind kind);
  void send_done(TxnId id, const Result<transport::Origin>& result);
  // After every call into a machine: pending CANCELs, TU failure reports,
  // removal of terminated transactions. Safe to call re-entrantly.
  void settle_client(TxnId id);
  void settle_server(TxnId id);
  void erase_client(TxnId id);
  void erase_server(TxnId id);
  // A ServerTransaction handle went away.
  void handle_dropped(ServerId id) noexcept;

  void dispatch_response(transport::Inbound&& in);
  void dispatch_request(transport::Inbound&& in);
  void dispatch_cancel(transport::Inbound&& in, const msg::Via& via, bool legacy);
  // 17.2.3 lookup of the server transaction created by a `method` request
  // that `request` belongs to (RFC 2543: by `rule`); 0 when none.
  TxnId find_server(const msg::Message& request, const msg::Via& via, bool legacy,
                    std::string_view method, LegacyRule rule) const;
  TxnId add_server(const transport::Inbound& in, const msg::Via& via, bool legacy);

  transport::Sender& sender_;
  TimerService& timers_;
  TransactionUser& user_;
  TimerConfig config_;
  TxnId next_id_ = 1;
  std::unordered_map<TxnId, ClientEntry> clients_;
  std::unordered_map<TxnId, ServerEntry> servers_;
  std::unordered_map<std::string, TxnId> client_index_;       // 17.1.3 keys
  std::unordered_map<std::string, TxnId> server_index_;       // 17.2.3 keys
  std::unordered_multimap<std::string, TxnId> legacy_index_;  // RFC 2543 buckets
  std::unordered_map<TxnId, TxnId> held_cancels_;             // INVITE -> CANCEL awaiting a 1xx
  // Send completions check this token: the Sender may finish after the layer dies.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sip::txn
