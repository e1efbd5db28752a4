#include "probe.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "sip/base/random.hpp"
#include "sip/rtp/packet.hpp"

namespace sipsmith::rtpdiag {
namespace {

using sip::transport::SocketAddress;
constexpr auto kPacketTime = std::chrono::milliseconds(20);
constexpr std::size_t kSamples = 160;  // 20 ms of PCMU at 8000 Hz

sip::rtp::Endpoint endpoint(const SocketAddress& a) {
  return {a.ip_string(), a.port};
}

std::string error_text(int error) {
  std::string s = std::strerror(error);
  if (error == ECONNREFUSED) s += " (ICMP port unreachable)";
  if (error == EHOSTUNREACH || error == ENETUNREACH) s += " (no route or ICMP unreachable)";
  return s;
}

}  // namespace

Probe::Probe(sip::transport::EventLoop& loop, Reporter& reporter)
    : loop_(loop), reporter_(reporter) {
  std::array<std::uint8_t, 6> r{};
  sip::random_bytes(r);
  seq_ = static_cast<std::uint16_t>(r[0] << 8 | r[1]);
  std::memcpy(&ssrc_, r.data() + 2, 4);
}

Probe::~Probe() {
  stop();
}

std::unique_ptr<Probe> Probe::open(sip::transport::EventLoop& loop, Reporter& reporter,
                                   const SocketAddress& ip, std::uint16_t first, std::uint16_t last,
                                   std::string& why) {
  std::unique_ptr<Probe> p(new Probe(loop, reporter));
  Probe* raw = p.get();  // the sockets die with the Probe: no handler outlives it
  // An even RTP port with the next one for the caller's RTCP (which then
  // draws no ICMP error); else the first free even port alone.
  std::unique_ptr<sip::transport::MediaSocket> fallback;
  std::string error;
  for (std::uint32_t from = first; from <= last;) {
    sip::transport::MediaHandlers h;
    h.on_datagram = [raw](std::span<const std::uint8_t> d, const SocketAddress& src,
                          std::chrono::nanoseconds at) { raw->on_datagram(d, src, at); };
    h.on_send_error = [raw](const SocketAddress& to, int e) { raw->on_send_error(to, e); };
    auto s = sip::transport::MediaSocket::open(loop, ip, static_cast<std::uint16_t>(from), last,
                                               true, std::move(h));
    if (!s) {
      error = s.error().detail;
      break;
    }
    const std::uint16_t port = (*s)->local().port;
    sip::transport::MediaHandlers rtcp;
    rtcp.on_datagram = [raw](std::span<const std::uint8_t>, const SocketAddress&,
                             std::chrono::nanoseconds) { ++raw->rtcp_packets_; };
    const auto next = static_cast<std::uint16_t>(port + 1);
    if (port < last) {  // RTCP stays inside the range too
      if (auto r =
              sip::transport::MediaSocket::open(loop, ip, next, next, false, std::move(rtcp))) {
        p->socket_ = std::move(*s);
        p->rtcp_ = std::move(*r);
        return p;
      }
    }
    if (!fallback) fallback = std::move(*s);  // kept bound: the search goes past it
    from = port + 2u;
  }
  if (!fallback) {
    why = error.empty() ? "no free port in the RTP port range" : error;
    return nullptr;
  }
  p->socket_ = std::move(fallback);
  return p;
}

void Probe::start(std::optional<SocketAddress> advertised) {
  advertised_ = advertised;
  running_ = true;
  next_ = std::chrono::steady_clock::now();
  tick();
}

void Probe::stop() {
  running_ = false;
  if (timer_ != 0) loop_.cancel(timer_);
  timer_ = 0;
}

SendReport& Probe::target(const std::string& role, const SocketAddress& to) {
  auto [it, added] = sent_.try_emplace(to);
  if (added) {
    it->second.role = role;
    it->second.to = to.to_string();
  } else if (it->second.role != role && it->second.role != "both") {
    it->second.role = "both";
  }
  return it->second;
}

void Probe::tick() {
  timer_ = 0;
  if (!running_) return;
  const std::string payload(kSamples, '\xff');  // PCMU silence
  const std::string packet = sip::rtp::build(0, seq_ == 0, seq_, ts_, ssrc_, payload);
  ++seq_;
  ts_ += kSamples;
  if (actual_) {
    ++target("actual", *actual_).packets;
    socket_->send_to(*actual_, packet);
  }
  if (advertised_ && advertised_ != actual_) {
    ++target("advertised", *advertised_).packets;
    socket_->send_to(*advertised_, packet);
  }
  if (!running_) return;  // an error handler may have stopped us
  // Paced against the start time, not the last tick, so the rate holds.
  next_ += kPacketTime;
  const auto now = std::chrono::steady_clock::now();
  if (next_ < now) next_ = now;
  std::weak_ptr<int> token = alive_;
  timer_ = loop_.start(std::chrono::duration_cast<sip::Duration>(next_ - now), [this, token] {
    if (!token.expired()) tick();
  });
}

void Probe::on_datagram(std::span<const std::uint8_t> data, const SocketAddress& from,
                        std::chrono::nanoseconds arrival) {
  auto& rx = received_[from];
  auto h = sip::rtp::parse(data);
  if (!h) {
    rx.add_invalid();
    return;
  }
  const auto rate = rates_.find(h->payload_type);
  rx.add(*h, arrival,
         rate != rates_.end() ? rate->second : sip::rtp::static_clock_rate(h->payload_type));
  ++packets_;
  if (!actual_) {
    actual_ = from;  // symmetric RTP: answer where the first packet came from
    target(advertised_ == from ? "both" : "actual", from);
    reporter_.first_rtp(from.to_string());
  }
}

void Probe::on_send_error(const SocketAddress& to, int error) {
  auto it = sent_.find(to);
  if (it == sent_.end()) return;  // not one of our targets
  SendReport& s = it->second;
  if (++s.errors == 1) {
    s.error = error_text(error);
    reporter_.send_error(s.role, s.to, s.error);
  }
}

void Probe::fill(TestReport& r) const {
  r.sources.clear();
  for (const auto& [from, rx] : received_) {
    SourceReport s;
    s.from = from.to_string();
    s.packets = rx.packets();
    s.expected = rx.expected();
    s.lost = rx.lost();
    s.invalid = rx.invalid();
    s.jitter_ms = rx.jitter_ms();
    s.payload_types = rx.payload_types();
    r.sources.push_back(std::move(s));
  }
  std::stable_sort(r.sources.begin(), r.sources.end(),
                   [](const auto& a, const auto& b) { return a.packets > b.packets; });
  r.actual.reset();
  const SocketAddress* top = nullptr;
  std::uint64_t most = 0;
  for (const auto& [from, rx] : received_)
    if (rx.packets() > most) {
      most = rx.packets();
      top = &from;
    }
  if (top) r.actual = endpoint(*top);
  r.sent.clear();
  for (const auto& [to, s] : sent_) r.sent.push_back(s);
  r.rtcp_packets = rtcp_packets_;
}

}  // namespace sipsmith::rtpdiag
