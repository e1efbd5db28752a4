#include "answerer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "sip/base/log.hpp"
#include "sip/base/random.hpp"
#include "sip/message/builder.hpp"
#include "sip/rtp/offer.hpp"
#include "sip/sdp/sdp.hpp"

namespace sipsmith::rtpdiag {
namespace {

using sip::transport::SocketAddress;
constexpr const char* kLog = "rtpdiag";
constexpr auto kByeWait = std::chrono::seconds(4);

// Our answer: PCMU, and telephone-event under the caller's payload type
// when it offered one (an answer may only use offered formats).
std::string answer_sdp(const std::string& ip, std::uint16_t port,
                       std::optional<std::uint8_t> telephone_event) {
  const std::string in = ip.find(':') != std::string::npos ? "IN IP6 " : "IN IP4 ";
  std::array<std::uint8_t, 4> r{};
  sip::random_bytes(r);
  const std::uint32_t session =
      (std::uint32_t{r[0]} << 24 | std::uint32_t{r[1]} << 16 | std::uint32_t{r[2]} << 8 | r[3]) &
      0x7fffffffu;
  const std::string te = telephone_event ? std::to_string(*telephone_event) : std::string();
  std::string sdp = "v=0\r\no=rtpdiag " + std::to_string(session) + " 1 " + in + ip +
                    "\r\ns=rtpdiag\r\nc=" + in + ip + "\r\nt=0 0\r\nm=audio " +
                    std::to_string(port) + " RTP/AVP 0" + (te.empty() ? "" : " " + te) +
                    "\r\na=rtpmap:0 PCMU/8000\r\n";
  if (!te.empty()) sdp += "a=rtpmap:" + te + " telephone-event/8000\r\na=fmtp:" + te + " 0-16\r\n";
  return sdp + "a=ptime:20\r\na=sendrecv\r\n";
}

std::string host_of(const std::string& ip) {
  return ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
}

}  // namespace

std::string local_address_towards(const SocketAddress& peer) {
  const int fd = ::socket(peer.v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (peer.v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(peer.port ? peer.port : 9);
    std::memcpy(&s6->sin6_addr, peer.ip.data(), 16);
    len = sizeof(*s6);
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(peer.port ? peer.port : 9);
    std::memcpy(&s4->sin_addr, peer.ip.data(), 4);
    len = sizeof(*s4);
  }
  std::string out;
  sockaddr_storage local{};
  socklen_t local_len = sizeof(local);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* addr =
        peer.v6 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr)
                : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&local)->sin_addr);
    if (::inet_ntop(peer.v6 ? AF_INET6 : AF_INET, addr, text, sizeof(text))) out = text;
  }
  ::close(fd);
  return out;
}

struct Answerer::Call {
  CallInfo info;
  std::string call_id, local_tag;
  std::string their_from;  // the From header value (with their tag): our To
  std::string our_to;      // their To value with our tag: our From
  std::string remote_target;
  std::vector<std::string> route;  // Record-Route values, in order (12.1.1)
  sip::transport::Destination peer;
  std::string via_host;  // our sent-by
  sip::txn::ServerId invite{};
  std::optional<sip::msg::Message> ok;
  sip::Duration ok_interval{}, ok_elapsed{};
  sip::TimerId ok_timer = 0, test_timer = 0, bye_timer = 0;
  bool acked = false, bye_sent = false;
  std::unique_ptr<Probe> probe;
  std::chrono::steady_clock::time_point answered_at;
};

Answerer::Answerer(sip::transport::EventLoop& loop, AnswerConfig config, Reporter& reporter,
                   Done on_done)
    : loop_(loop), config_(std::move(config)), reporter_(reporter), on_done_(std::move(on_done)) {}

Answerer::~Answerer() {
  if (call_) {
    for (auto t : {call_->ok_timer, call_->test_timer, call_->bye_timer})
      if (t) loop_.cancel(t);
  }
}

std::string Answerer::advertise_for(const SocketAddress& peer) const {
  if (!config_.advertise.empty()) return config_.advertise;
  if (!config_.sip_local.is_unspecified()) return config_.sip_local.ip_string();
  return local_address_towards(peer);
}

void Answerer::on_request(sip::txn::ServerTransaction txn, sip::transport::Inbound&& in) {
  const auto& m = in.message;
  switch (m.method()) {
    case sip::msg::Method::Invite: return on_invite(std::move(txn), std::move(in));
    case sip::msg::Method::Bye: return on_bye(std::move(txn), in);
    case sip::msg::Method::Options: (void)txn.respond(200); return;
    default: (void)txn.respond(501, "Not Implemented"); return;
  }
}

void Answerer::on_invite(sip::txn::ServerTransaction txn, sip::transport::Inbound&& in) {
  const auto& m = in.message;
  const auto to = m.to();
  if (to && !to->tag().empty()) {
    // A re-INVITE: ours gets our answer again; anything else is unknown.
    if (call_ && m.call_id() == call_->call_id && call_->ok) {
      auto again = sip::msg::make_response(m, 200, "OK", call_->local_tag);
      again.header("Contact", std::string(call_->ok->value(sip::msg::HeaderId::Contact)));
      again.body("application/sdp", call_->ok->body());
      if (auto r = again.build()) (void)txn.respond(std::move(*r));
      return;
    }
    (void)txn.respond(481);
    return;
  }
  if (call_) {
    (void)txn.respond(486, "Busy Here (a test is running)");
    return;
  }
  auto sd = sip::sdp::parse(m.body());
  if (!sd) {
    (void)txn.respond(488, "Not Acceptable Here (no SDP offer)");
    reporter_.warning("INVITE from " + in.origin.remote.to_string() +
                      " without a usable SDP offer");
    return;
  }
  const auto offer = sip::rtp::audio_offer(*sd);
  if (!offer || !offer->has(0)) {
    (void)txn.respond(488, "Not Acceptable Here (offer PCMU)");
    reporter_.warning("INVITE from " + in.origin.remote.to_string() + " offers no PCMU audio");
    return;
  }

  auto call = std::make_unique<Call>();
  CallInfo& info = call->info;
  info.call_id = std::string(m.call_id());
  if (auto f = m.from()) info.from_uri = std::string(f->uri.text);
  if (to) info.to_uri = std::string(to->uri.text);
  info.request_uri = std::string(m.request_uri_text());
  info.user_agent = std::string(m.value(sip::msg::HeaderId::UserAgent));
  info.signalling_source = in.origin.remote.to_string();
  info.transport = std::string(sip::transport::kind_name(in.origin.kind));
  if (!offer->address.empty()) {
    info.advertised = sip::rtp::Endpoint{offer->address, offer->port};
    info.advertised_private = sip::sdp::is_private_address(offer->address);
    info.expected = sip::rtp::expected_source(*info.advertised, in.origin.remote.ip_string());
  }
  for (const auto& f : offer->formats) info.offered.push_back(f.text());

  const std::string adv = advertise_for(in.origin.remote);
  if (adv.empty()) {
    (void)txn.respond(500, "Server Internal Error (no local address)");
    reporter_.warning("cannot tell our address towards " + info.signalling_source +
                      ": give --advertise");
    return;
  }
  retired_.reset();  // frees its port (a range of one port serves test after test)
  SocketAddress bind_ip = config_.sip_local;
  bind_ip.port = 0;
  std::string why;
  call->probe = Probe::open(loop_, reporter_, bind_ip, config_.rtp_first, config_.rtp_last, why);
  if (!call->probe) {
    (void)txn.respond(503, "Service Unavailable (no RTP port)");
    reporter_.warning("cannot open an RTP socket in --rtp-ports: " + why);
    return;
  }
  // telephone-event gets no jitter: its timestamp is the event's start.
  for (const auto& f : offer->formats)
    call->probe->set_clock_rate(f.pt, f.pt == offer->telephone_event ? 0 : f.clock_rate);
  const std::uint16_t port = call->probe->local().port;
  info.local_rtp = host_of(adv) + ":" + std::to_string(port);

  const std::string sdp = answer_sdp(adv, port, offer->telephone_event);

  call->call_id = info.call_id;
  call->local_tag = sip::make_tag();
  call->their_from = std::string(m.value(sip::msg::HeaderId::From));
  call->our_to = std::string(m.value(sip::msg::HeaderId::To)) + ";tag=" + call->local_tag;
  if (const auto* c = m.first(sip::msg::HeaderId::Contact))
    if (auto cv = m.contact_at(*c)) call->remote_target = std::string(cv->addr.uri.text);
  if (call->remote_target.empty()) call->remote_target = info.from_uri;
  m.for_each(sip::msg::HeaderId::RecordRoute,
             [&](const sip::msg::HeaderField& f) { call->route.emplace_back(m.text(f.value)); });
  call->peer = {in.origin.kind, in.origin.remote, in.origin.flow, {}};
  call->via_host = host_of(adv) + ":" + std::to_string(config_.sip_local.port);

  auto ok = sip::msg::make_response(m, 200, "OK", call->local_tag);
  ok.header("Contact", "<sip:" + config_.user + "@" + call->via_host + ">");
  ok.header("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS");
  ok.header("Server", "rtpdiag");
  ok.body("application/sdp", sdp);
  auto built = ok.build();
  if (!built) {
    (void)txn.respond(500);
    return;
  }
  call->ok = built->clone();
  call->invite = txn.id();
  if (auto r = txn.respond(std::move(*built)); !r) {
    reporter_.warning("cannot send the 200 OK to " + info.signalling_source);
    return;
  }
  call->answered_at = std::chrono::steady_clock::now();
  reporter_.call(info);
  std::optional<SocketAddress> advertised;
  if (info.advertised)
    advertised = SocketAddress::from_ip(info.advertised->ip, info.advertised->port);
  call->probe->start(advertised);
  call_ = std::move(call);

  call_->ok_interval = layer_->config().t1;
  std::weak_ptr<int> token = alive_;
  call_->ok_timer = loop_.start(call_->ok_interval, [this, token] {
    if (!token.expired()) retransmit_ok();
  });
}

void Answerer::retransmit_ok() {
  if (!call_ || call_->acked) return;
  call_->ok_timer = 0;
  const auto& cfg = layer_->config();
  call_->ok_elapsed += call_->ok_interval;
  if (call_->ok_elapsed >= cfg.timeout()) return hang_up("no_ack");
  if (!sip::transport::is_reliable(call_->peer.kind))
    (void)layer_->respond(call_->invite, call_->ok->clone());
  call_->ok_interval = std::min<sip::Duration>(call_->ok_interval * 2, cfg.t2);
  std::weak_ptr<int> token = alive_;
  call_->ok_timer = loop_.start(call_->ok_interval, [this, token] {
    if (!token.expired()) retransmit_ok();
  });
}

void Answerer::on_ack_2xx(sip::transport::Inbound&& in) {
  if (!call_ || in.message.call_id() != call_->call_id || call_->acked) return;
  call_->acked = true;
  if (call_->ok_timer) loop_.cancel(call_->ok_timer);
  call_->ok_timer = 0;
  std::weak_ptr<int> token = alive_;
  call_->test_timer = loop_.start(config_.duration, [this, token] {
    if (token.expired() || !call_) return;
    call_->test_timer = 0;
    hang_up("bye_sent");
  });
}

void Answerer::on_bye(sip::txn::ServerTransaction txn, const sip::transport::Inbound& in) {
  if (!call_ || in.message.call_id() != call_->call_id) {
    (void)txn.respond(481);
    return;
  }
  (void)txn.respond(200);
  if (!call_->bye_sent) finish("bye_received");
}

void Answerer::hang_up(const std::string& why) {
  if (!call_ || call_->bye_sent) return;
  call_->bye_sent = true;
  call_->probe->stop();
  auto bye = sip::msg::MessageBuilder::request("BYE", call_->remote_target);
  bye.header("Via", "SIP/2.0/" + std::string(sip::transport::kind_name(call_->peer.kind)) + " " +
                        call_->via_host + ";branch=" + sip::make_branch() + ";rport");
  bye.header("Max-Forwards", "70");
  for (const auto& r : call_->route) bye.header("Route", r);
  bye.header("From", call_->our_to);
  bye.header("To", call_->their_from);
  bye.header("Call-ID", call_->call_id);
  bye.header("CSeq", "1 BYE");
  bye.header("User-Agent", "rtpdiag");
  auto built = bye.build();
  if (!built) return finish(why);
  std::weak_ptr<int> token = alive_;
  sip::txn::ClientEvents ev;
  const std::string hangup = why;
  ev.on_response = [this, token, hangup](const sip::msg::Message& r) {
    if (!token.expired() && r.status() >= 200) finish(hangup);
  };
  ev.on_timeout = [this, token, hangup] {
    if (!token.expired()) finish(hangup);
  };
  ev.on_transport_error = [this, token, hangup](const sip::Error&) {
    if (!token.expired()) finish(hangup);
  };
  // Bounded wait for the BYE's answer: the report does not need it.
  call_->bye_timer = loop_.start(kByeWait, [this, token, hangup] {
    if (token.expired() || !call_) return;
    call_->bye_timer = 0;
    finish(hangup);
  });
  if (auto r = layer_->send_request(std::move(*built), call_->peer, std::move(ev)); !r) finish(why);
}

void Answerer::abort(const std::string& why) {
  if (!call_) return;
  const std::string hangup = why;
  hang_up(hangup);
  if (call_) finish(hangup);
}

void Answerer::finish(const std::string& hangup) {
  if (!call_) return;
  std::unique_ptr<Call> call = std::move(call_);
  for (auto t : {call->ok_timer, call->test_timer, call->bye_timer})
    if (t) loop_.cancel(t);
  call->probe->stop();
  TestReport r;
  r.call = call->info;
  r.hangup = hangup;
  r.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - call->answered_at).count();
  call->probe->fill(r);
  sip::rtp::Observation o;
  o.call = true;
  o.packets = call->probe->packets();
  o.actual = r.actual;
  o.expected = r.call.expected;
  if (!r.call.advertised) o.expected.socket = r.actual.value_or(sip::rtp::Endpoint{});
  for (const auto& s : r.sent)
    if ((s.role == "actual" || s.role == "both") && s.errors > 0) o.back_to_actual_failed = true;
  r.verdict = sip::rtp::judge(o);
  sip::log(sip::LogLevel::Info, kLog, "test of " + r.call.call_id + " ended: " + hangup);
  // The Probe's socket closes later (the next call, or our destruction),
  // never inside a handler of its own.
  retired_ = std::move(call->probe);
  on_done_(r);
}

}  // namespace sipsmith::rtpdiag
