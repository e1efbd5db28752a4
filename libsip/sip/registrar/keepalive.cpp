// NAT keep-alives per binding, by the account's mode: CRLF ("\r\n\r\n",
// RFC 5626 3.5.1 style) through the binding's flow, or an OPTIONS request
// through the transaction layer to the mangled contact over the same flow
// (no answer or a transport failure removes the binding; any response counts
// as alive), or none. Each binding has its own timer; the first fire is at a
// random point within the interval so that bindings do not fire together.
#include <span>

#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/registrar/registrar_impl.hpp"

namespace sip::registrar {
namespace {

constexpr std::string_view kLog = "registrar";

}  // namespace

void Registrar::Impl::arm_keepalive(std::uint64_t serial, bool first) {
  Slot& s = slots.at(serial);
  Duration delay = config.keepalive_interval;
  if (first) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(delay).count();
    std::uint64_t r = 0;
    random_bytes(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&r), sizeof r));
    delay = std::chrono::milliseconds(
        1 + static_cast<std::int64_t>(r % static_cast<std::uint64_t>(ms)));
  }
  // [this, serial] fits std::function's small buffer: no allocation per fire.
  s.keepalive_timer = timers.start(delay, [this, serial] { keepalive_fired(serial); });
}

void Registrar::Impl::keepalive_fired(std::uint64_t serial) {
  auto it = slots.find(serial);
  if (it == slots.end()) return;
  it->second.keepalive_timer = 0;
  const store::SipAccount* account = directory.get(it->second.b.account_id);
  const store::KeepAliveMode mode =
      account != nullptr ? account->keepalive : store::KeepAliveMode::None;
  switch (mode) {
    case store::KeepAliveMode::Crlf: send_crlf(serial, it->second); break;
    case store::KeepAliveMode::Options: send_options(serial, it->second, *account); break;
    case store::KeepAliveMode::None: break;
  }
  // A synchronous failure may have removed the binding.
  it = slots.find(serial);
  if (it != slots.end() && it->second.keepalive_timer == 0) arm_keepalive(serial, false);
}

void Registrar::Impl::send_crlf(std::uint64_t serial, Slot& s) {
  transport::Destination to;
  to.kind = s.kind;
  to.address = s.source;
  to.flow = s.flow;
  ++stats.keepalives_sent;
  if (!transport::is_reliable(s.kind)) {
    sender.send(to, std::string("\r\n\r\n"), {});
    return;
  }
  // A connection that cannot carry a keep-alive cannot carry a call either.
  std::weak_ptr<int> token = alive;
  sender.send(to, std::string("\r\n\r\n"), [this, token, serial](Result<transport::Origin> r) {
    if (r || token.expired()) return;
    ++stats.keepalive_failures;
    remove_binding(serial, RemovalReason::KeepAliveFailed);
  });
}

void Registrar::Impl::send_options(std::uint64_t serial, Slot& s,
                                   const store::SipAccount& account) {
  if (s.options_pending) return;  // the previous one is still running
  const std::string& target = s.b.mangled_uri.empty() ? s.b.contact_uri : s.b.mangled_uri;
  auto b = msg::MessageBuilder::request("OPTIONS", target);
  std::string via = "SIP/2.0/";
  via.append(transport::kind_name(s.kind)).append(" ");
  via.append(s.b.local.empty() ? std::string_view("0.0.0.0") : std::string_view(s.b.local));
  via.append(";rport;branch=").append(make_branch());
  b.header("Via", via);
  b.header("Max-Forwards", "70");
  b.header("From", "<sip:" + account.domain + ">;tag=" + make_tag());
  b.header("To", "<sip:" + account.username + "@" + account.domain + ">");
  b.header("Call-ID", make_call_id());
  b.header("CSeq", "1 OPTIONS");
  b.header("User-Agent", config.server_name);
  auto request = b.build();
  if (!request) {
    log(LogLevel::Warn, kLog, "cannot build an OPTIONS keep-alive to " + target);
    return;
  }
  transport::Destination to;
  to.kind = s.kind;
  to.address = s.source;
  to.flow = s.flow;
  s.options_pending = true;
  s.options_answered = false;
  ++stats.keepalives_sent;
  std::weak_ptr<int> token = alive;
  txn::ClientEvents events;
  events.on_response = [this, token, serial](const msg::Message& response) {
    if (token.expired()) return;
    if (response.status() >= 200) return options_done(serial, true);
    if (const auto it = slots.find(serial); it != slots.end()) it->second.options_answered = true;
  };
  events.on_timeout = [this, token, serial] {
    if (!token.expired()) options_done(serial, false);
  };
  events.on_transport_error = [this, token, serial](const Error&) {
    if (!token.expired()) options_done(serial, false);
  };
  const auto id = layer.send_request(std::move(request).value(), to, std::move(events));
  const auto it = slots.find(serial);
  if (it == slots.end() || !it->second.options_pending) return;  // already settled
  if (!id) {
    it->second.options_pending = false;
    log(LogLevel::Warn, kLog, "OPTIONS keep-alive not sent: " + id.error().to_string());
    return;
  }
  it->second.options_txn = *id;
}

void Registrar::Impl::options_done(std::uint64_t serial, bool alive_answer) {
  const auto it = slots.find(serial);
  if (it == slots.end()) return;
  Slot& s = it->second;
  const bool answered = alive_answer || s.options_answered;
  s.options_pending = false;
  s.options_answered = false;
  s.options_txn = {};
  if (answered) return;
  ++stats.keepalive_failures;
  remove_binding(serial, RemovalReason::KeepAliveFailed);
}

}  // namespace sip::registrar
