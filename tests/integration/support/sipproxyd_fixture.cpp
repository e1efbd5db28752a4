#include "support/sipproxyd_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <stdexcept>

#include "../../support/pg_test_server.hpp"
#include "support/test_store.hpp"

namespace sipsmith::itest {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

std::string sipproxyd_binary() {
  return SIPPROXYD_BINARY;
}
std::string sipctl_binary() {
  return SIPCTL_BINARY;
}
std::string sipp_binary() {
  return find_program("sipp");
}

// ---- ControlClient

ControlClient::ControlClient(const std::string& path) {
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket(AF_UNIX) failed");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("cannot connect to " + path + ": " + std::strerror(errno));
  }
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) ::close(fd_);
}

json ControlClient::request(const std::string& method, const json& params, Millis limit) {
  const int id = next_id_++;
  std::string line = json{{"id", id}, {"method", method}, {"params", params}}.dump() + "\n";
  std::size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::send(fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("control socket write failed");
    off += static_cast<std::size_t>(n);
  }
  const auto deadline = Clock::now() + limit;
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      json response = json::parse(buffer_.substr(0, nl));
      buffer_.erase(0, nl + 1);
      if (response.value("id", json()) != json(id)) {
        throw std::runtime_error("control response for another id: " + response.dump());
      }
      return response;
    }
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r <= 0) throw std::runtime_error("no control response to " + method + " in time");
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) throw std::runtime_error("control socket closed during " + method);
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

std::optional<json> ControlClient::next_line(Millis limit) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      json line = json::parse(buffer_.substr(0, nl));
      buffer_.erase(0, nl + 1);
      return line;
    }
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r == 0) return std::nullopt;
    if (r < 0) throw std::runtime_error("poll on the control socket failed");
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) throw std::runtime_error("control socket closed during a stream");
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

json ControlClient::call(const std::string& method, const json& params, Millis limit) {
  json response = request(method, params, limit);
  if (response.contains("error")) {
    throw std::runtime_error(method + " failed: " + response["error"].dump());
  }
  return response["result"];
}

// ---- Daemon

Daemon::Daemon(const TempDir& dir, json config) : dir_(dir), config_(std::move(config)) {
  port_ = free_port("127.0.0.1");
  control_ = dir_.file("sipproxyd.sock");
  config_path_ = dir_.file("sipproxyd.json");
  config_["listen"] = json::array({{{"transport", "udp"}, {"address", address()}},
                                   {{"transport", "tcp"}, {"address", address()}}});
  if (config_.contains("tls")) {
    do {
      tls_port_ = free_port("127.0.0.1");
    } while (tls_port_ == port_);
    config_["listen"].push_back(
        {{"transport", "tls"}, {"address", "127.0.0.1:" + std::to_string(tls_port_)}});
  }
  // A "store" section without a path or url gets the test's store (its
  // other settings kept).
  if (!config_.contains("store") ||
      (!config_["store"].contains("path") && !config_["store"].contains("url"))) {
    json store = test_store_is_postgres()
                     ? json{{"url", sip::testing::pg_fresh_database_conninfo()}}
                     : json{{"path", "sipsmith.db"}};
    if (config_.contains("store")) store.update(config_["store"]);
    config_["store"] = std::move(store);
  }
  config_["control"] = {{"socket", "sipproxyd.sock"}};
  if (!config_.contains("domains")) config_["domains"] = json::array({"sipsmith.test"});
  write_file(config_path_, "// written by the integration test\n" + config_.dump(2) + "\n");
  start();
}

Daemon::~Daemon() {
  control_client_.reset();
  if (child_ && child_->running()) child_->stop(Millis(5000));
}

void Daemon::start() {
  control_client_.reset();
  ++starts_;
  stderr_path_ = dir_.file("sipproxyd." + std::to_string(starts_) + ".err");
  SpawnOptions o;
  o.argv = {sipproxyd_binary(), "--config", config_path_};
  o.cwd = dir_.path().string();
  o.stdout_pipe = true;
  o.stderr_file = stderr_path_;
  child_ = std::make_unique<Child>(o);
  auto line = child_->read_line(Millis(20000));
  if (!line) {
    throw std::runtime_error("sipproxyd printed no ready line; stderr:\n" + stderr_text());
  }
  ready_ = json::parse(*line, nullptr, false);
  if (ready_.is_discarded() || ready_.value("event", "") != "ready") {
    throw std::runtime_error("unexpected first line from sipproxyd: " + *line);
  }
}

int Daemon::stop_gracefully() {
  control_client_.reset();
  child_->signal(SIGTERM);
  auto status = child_->wait_for(Millis(15000));
  if (!status) return child_->stop(Millis(100));
  return *status;
}

void Daemon::kill9() {
  control_client_.reset();
  child_->signal(SIGKILL);
  child_->wait_for(Millis(5000));
}

bool Daemon::running() {
  return child_ && child_->running();
}

void Daemon::signal(int sig) {
  child_->signal(sig);
}

void Daemon::rewrite_config(json config) {
  config["listen"] = config_["listen"];
  config["store"] = config_["store"];
  config["control"] = config_["control"];
  if (!config.contains("domains")) config["domains"] = config_["domains"];
  config_ = std::move(config);
  write_file(config_path_, config_.dump(2) + "\n");
}

bool Daemon::wait_stderr(const std::string& text, Millis limit) {
  const auto deadline = Clock::now() + limit;
  UdpPeer pacer;  // its receive timeout paces the polls
  while (Clock::now() < deadline) {
    if (stderr_text().find(text) != std::string::npos) return true;
    (void)pacer.receive(Millis(50));
  }
  return stderr_text().find(text) != std::string::npos;
}

ControlClient& Daemon::control() {
  if (!control_client_) control_client_ = std::make_unique<ControlClient>(control_);
  return *control_client_;
}

std::string Daemon::stderr_text() const {
  return read_file(stderr_path_);
}

// ---- UdpPeer

UdpPeer::UdpPeer(const std::string& ip) : ip_(ip) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket(UDP) failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    throw std::runtime_error("cannot bind UDP on " + ip);
  }
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
}

UdpPeer::~UdpPeer() {
  if (fd_ >= 0) ::close(fd_);
}

void UdpPeer::send(const std::string& bytes, const std::string& ip, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  if (::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    throw std::runtime_error("sendto failed");
  }
}

std::optional<std::string> UdpPeer::receive(Millis limit) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return std::nullopt;
  char buf[65536];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

std::optional<std::string> UdpPeer::receive_final(Millis limit) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    auto d = receive(Millis(remaining_ms(deadline)));
    if (!d) return std::nullopt;
    if (d->rfind("SIP/2.0 1", 0) == 0) continue;            // provisional
    if (d->find("SIP/2.0") == std::string::npos) continue;  // keep-alive
    return d;
  }
}

}  // namespace sipsmith::itest
