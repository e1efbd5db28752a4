// The engine's part of the console events (sip/event): full SIP traces of
// every message the daemon receives (InboundRelay) or sends (TraceSender,
// the Sender every part above the transport uses), and provider
// registration states. A traced message belongs to the customer whose call
// it is (the Call-IDs the call manager notes on the Bus) or, failing that,
// whose account its From, then its To names; otherwise to nobody (admins
// only). Nothing is parsed or copied while nobody subscribed to full traces.
// Thread-safety: core thread only.
#pragma once

#include <functional>
#include <string_view>

#include "sip/transport/transport.hpp"

namespace sip::directory {
class Directory;
}
namespace sip::event {
class Bus;
}
namespace sip::provreg {
struct Event;
}

namespace sip::engine {

class SipTracer {
 public:
  SipTracer(event::Bus& bus, const directory::Directory& directory)
      : bus_(bus), directory_(directory) {}
  void inbound(const transport::Inbound& in) const;
  void outbound(const transport::Origin& origin, std::string_view bytes) const;
  bool wanted() const noexcept;

 private:
  void emit(const msg::Message& m, const transport::Origin& origin, bool out) const;
  event::Bus& bus_;
  const directory::Directory& directory_;
};

// Forwards to `inner`; traces each message sent once the transport reports
// the socket it went out on.
class TraceSender final : public transport::Sender {
 public:
  TraceSender(transport::Sender& inner, const SipTracer& tracer) : inner_(inner), tracer_(tracer) {}
  void send(const transport::Destination& to, std::string bytes, transport::SendDone done) override;
  void open_flow(const transport::Destination& to, transport::SendDone done) override {
    inner_.open_flow(to, std::move(done));
  }

 private:
  transport::Sender& inner_;
  const SipTracer& tracer_;
};

// A request refused because its source is blocked (security "refused"):
// nobody's, so operators only. Checks wants() itself.
void emit_refused(event::Bus& bus, const transport::Inbound& in, bool silently);

// The provider registration agent's state changes as console events.
std::function<void(const provreg::Event&)> provider_events(event::Bus& bus,
                                                           const directory::Directory& directory);

}  // namespace sip::engine
