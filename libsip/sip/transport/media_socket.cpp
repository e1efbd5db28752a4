#include "sip/transport/media_socket.hpp"

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cerrno>
#include <cstring>

namespace sip::transport {

namespace asio = boost::asio;

namespace {

sockaddr_storage to_native(const SocketAddress& a, socklen_t& len) {
  sockaddr_storage ss{};
  if (a.v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a.port);
    std::memcpy(&s6->sin6_addr, a.ip.data(), 16);
    len = sizeof(sockaddr_in6);
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(a.port);
    std::memcpy(&s4->sin_addr, a.ip.data(), 4);
    len = sizeof(sockaddr_in);
  }
  return ss;
}

SocketAddress from_native(const sockaddr_storage& ss) {
  SocketAddress a;
  if (ss.ss_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    a.v6 = true;
    std::memcpy(a.ip.data(), &s6->sin6_addr, 16);
    a.port = ntohs(s6->sin6_port);
  } else {
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
    std::memcpy(a.ip.data(), &s4->sin_addr, 4);
    a.port = ntohs(s4->sin_port);
  }
  return a;
}

}  // namespace

struct MediaSocket::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, MediaHandlers h) : socket(io), handlers(std::move(h)) {}

  void arm() {
    std::weak_ptr<Impl> weak = weak_from_this();
    socket.async_wait(asio::ip::udp::socket::wait_read,
                      [weak](const boost::system::error_code& ec) {
                        auto self = weak.lock();
                        if (!self || ec == asio::error::operation_aborted) return;
                        self->read_all();
                        self->arm();
                      });
  }

  // Reads until the socket would block; a pending socket error (an ICMP
  // error reported through IP_RECVERR) sends us to the error queue.
  void read_all() {
    const int fd = socket.native_handle();
    for (int round = 0; round < 1024; ++round) {
      sockaddr_storage from{};
      iovec iov{buffer.data(), buffer.size()};
      std::array<char, CMSG_SPACE(sizeof(timespec)) + 64> control{};
      msghdr m{};
      m.msg_name = &from;
      m.msg_namelen = sizeof(from);
      m.msg_iov = &iov;
      m.msg_iovlen = 1;
      m.msg_control = control.data();
      m.msg_controllen = control.size();
      const ssize_t n = ::recvmsg(fd, &m, MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        // A pending ICMP error: report it and read on; anything else ends
        // this round (the next readiness tries again).
        if (drain_errors() > 0) continue;
        break;
      }
      std::chrono::nanoseconds arrival{0};
      for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts{};
          std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
          arrival = std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
        }
      }
      if (arrival.count() == 0)
        arrival = std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::system_clock::now().time_since_epoch());
      if (handlers.on_datagram)
        handlers.on_datagram(
            std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(n)),
            from_native(from), arrival);
    }
    drain_errors();
  }

  // Collects the ICMP errors queued on the socket (IP_RECVERR): msg_name is
  // the destination of the packet that failed.
  int drain_errors() {
    const int fd = socket.native_handle();
    int found = 0;
    for (int round = 0; round < 256; ++round) {
      sockaddr_storage to{};
      std::array<std::uint8_t, 256> data{};
      iovec iov{data.data(), data.size()};
      std::array<char, 512> control{};
      msghdr m{};
      m.msg_name = &to;
      m.msg_namelen = sizeof(to);
      m.msg_iov = &iov;
      m.msg_iovlen = 1;
      m.msg_control = control.data();
      m.msg_controllen = control.size();
      if (::recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
      for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
        const bool v4 = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR;
        const bool v6 = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR;
        if (!v4 && !v6) continue;
        sock_extended_err err{};
        std::memcpy(&err, CMSG_DATA(c), sizeof(err));
        ++found;
        if (handlers.on_send_error)
          handlers.on_send_error(from_native(to), static_cast<int>(err.ee_errno));
      }
    }
    return found;
  }

  asio::ip::udp::socket socket;
  MediaHandlers handlers;
  SocketAddress local;
  std::array<std::uint8_t, 2048> buffer{};
};

MediaSocket::MediaSocket(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

MediaSocket::~MediaSocket() {
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
}

Result<std::unique_ptr<MediaSocket>> MediaSocket::open(EventLoop& loop, const SocketAddress& ip,
                                                       std::uint16_t first_port,
                                                       std::uint16_t last_port, bool even,
                                                       MediaHandlers handlers) {
  auto& io = *static_cast<asio::io_context*>(loop.native());
  auto impl = std::make_shared<Impl>(io, std::move(handlers));
  const int family = ip.v6 ? AF_INET6 : AF_INET;
  for (std::uint32_t port = first_port; port <= last_port; ++port) {
    if (even && (port % 2) != 0) continue;
    const int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return make_error(Errc::network, 0, "cannot create a UDP socket");
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
    if (ip.v6)
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on));
    else
      ::setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
    SocketAddress at = ip;
    at.port = static_cast<std::uint16_t>(port);
    socklen_t len = 0;
    const sockaddr_storage ss = to_native(at, len);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
      ::close(fd);
      continue;
    }
    boost::system::error_code ec;
    impl->socket.assign(ip.v6 ? asio::ip::udp::v6() : asio::ip::udp::v4(), fd, ec);
    if (ec) {
      ::close(fd);
      return make_error(Errc::network, 0, "cannot use the UDP socket");
    }
    impl->local = at;
    impl->arm();
    return std::unique_ptr<MediaSocket>(new MediaSocket(std::move(impl)));
  }
  return make_error(Errc::network, 0, "no free port in the RTP port range");
}

const SocketAddress& MediaSocket::local() const noexcept {
  return impl_->local;
}

void MediaSocket::send_to(const SocketAddress& to, std::string_view bytes) {
  socklen_t len = 0;
  const sockaddr_storage ss = to_native(to, len);
  const auto once = [&] {
    const ssize_t n = ::sendto(impl_->socket.native_handle(), bytes.data(), bytes.size(),
                               MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&ss), len);
    return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK ? errno : 0;
  };
  int error = once();
  // A queued ICMP error of an earlier packet also fails the next sendto():
  // report it with its own destination and send again.
  if (error != 0 && impl_->drain_errors() > 0) error = once();
  if (error != 0 && impl_->handlers.on_send_error) impl_->handlers.on_send_error(to, error);
  impl_->drain_errors();
}

}  // namespace sip::transport
