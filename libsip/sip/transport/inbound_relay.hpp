// InboundRelay: the InboundHandler a TransportLayer is built with when the
// real handler (a TransactionLayer, which needs the transport as its Sender)
// can only exist after it. connect() names the handler; until then inbound
// messages and flow closures are dropped. Thread-safety: the transport's
// thread.
#pragma once

#include "sip/transport/transport.hpp"

namespace sip::transport {

class InboundRelay final : public InboundHandler {
 public:
  void on_inbound(Inbound&& in) override {
    if (to_ != nullptr) to_->on_inbound(std::move(in));
  }
  void on_flow_closed(FlowId flow, const Error& why) override {
    if (to_ != nullptr) to_->on_flow_closed(flow, why);
  }
  void connect(InboundHandler* to) noexcept { to_ = to; }

 private:
  InboundHandler* to_ = nullptr;
};

}  // namespace sip::transport
