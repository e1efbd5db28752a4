#include "support/softphones.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <regex>
#include <stdexcept>
#include <thread>

namespace sipsmith::itest {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr Millis kPoll{20};  // pacing of file polls (bounded by each caller's limit)
constexpr const char* kWav = "/usr/share/sounds/linphone/hello8000.wav";

std::string program(const char* name, const char* package) {
  std::string path = find_program(name);
  if (path.empty())
    throw std::runtime_error(std::string(name) + " (Debian package " + package +
                             ") is required: scripts/test installs it");
  return path;
}

// The last `n` bytes of `text`.
std::string tail(const std::string& text, std::size_t n = 4000) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Polls `ready` every kPoll until it is true or `limit` passes.
template <typename F>
bool poll_until(Millis limit, F ready) {
  const auto end = Clock::now() + limit;
  for (;;) {
    if (ready()) return true;
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(kPoll);
  }
}

}  // namespace

const char* transport_name(SipTransport t) noexcept {
  switch (t) {
    case SipTransport::Udp: return "udp";
    case SipTransport::Tcp: return "tcp";
    case SipTransport::Tls: return "tls";
  }
  return "udp";
}

// ---- baresip

Baresip::Baresip(const TempDir& dir, const std::string& name, const PhoneAccount& a)
    : dir_(dir.path() / name) {
  std::filesystem::create_directories(dir_);
  const std::string t = transport_name(a.transport);
  const std::string accounts = "<sip:" + a.user + "@" + a.domain + ";transport=" + t +
                               ">;auth_user=" + a.user + ";auth_pass=" + a.password +
                               ";outbound=\"sip:" + a.server + ";transport=" + t +
                               "\";regint=300;answermode=auto\n";
  write_file((dir_ / "accounts").string(), accounts);
  // The SIP port is the kernel's choice (0); ctrl_tcp needs a real one (it
  // does not report a chosen port): a free one, again when it was taken
  // meanwhile by a test running in parallel.
  for (int attempt = 0; attempt < 3 && ctrl_ < 0; ++attempt) {
    const std::uint16_t port = free_port("127.0.0.1");
    // No audio player module: ALSA's null device has no clock and the
    // player thread spins. ausine only does 48 kHz stereo.
    std::string config =
        "poll_method epoll\n"
        "sip_listen 127.0.0.1:0\n"
        "net_interface 127.0.0.1\n"
        "audio_source ausine,440\n"
        "audio_player none,none\n"
        "audio_alert none,none\n"
        "ausrc_srate 48000\n"
        "ausrc_channels 2\n"
        "module_path /usr/lib/baresip/modules\n"
        "module g711.so\n"
        "module ausine.so\n"
        "module_app account.so\n"
        "module_app ctrl_tcp.so\n"
        "module_app menu.so\n"
        "ctrl_tcp_listen 127.0.0.1:" +
        std::to_string(port) + "\n";
    if (!a.ca_file.empty()) config += "sip_cafile " + a.ca_file + "\n";
    write_file((dir_ / "config").string(), config);
    SpawnOptions o;
    // -v: its log says when ctrl_tcp listens; -t bounds the run whatever happens.
    o.argv = {program("baresip", "baresip-core"), "-f", dir_.string(), "-v", "-t", "120"};
    o.cwd = dir_.string();
    o.stdout_file = (dir_ / "out.txt").string();
    o.stderr_file = (dir_ / "err.txt").string();
    child_ = std::make_unique<Child>(o);
    const std::string listening =
        "ctrl_tcp: TCP socket listening on 127.0.0.1:" + std::to_string(port);
    if (!poll_until(Millis(10000),
                    [&] {
                      return read_file((dir_ / "out.txt").string()).find(listening) !=
                                 std::string::npos ||
                             !child_->running();
                    }) ||
        !child_->running()) {
      child_->stop(Millis(1000));
      continue;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      ctrl_ = fd;
    } else if (fd >= 0) {
      ::close(fd);
    }
  }
  if (ctrl_ < 0) throw std::runtime_error("baresip did not start:\n" + diagnostics());
}

Baresip::~Baresip() {
  if (ctrl_ >= 0) ::close(ctrl_);
  // SIGTERM: baresip un-registers, then exits; SIGKILL after the grace.
  if (child_) child_->stop(Millis(3000));
}

bool Baresip::pump(Millis limit) {
  pollfd p{ctrl_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
  char buf[16384];
  const ssize_t n = ::recv(ctrl_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  inbox_.append(buf, static_cast<std::size_t>(n));
  // Netstrings: "<length>:<json>,"
  for (;;) {
    const auto colon = inbox_.find(':');
    if (colon == std::string::npos) break;
    const std::size_t len = std::stoul(inbox_.substr(0, colon));
    if (inbox_.size() < colon + 1 + len + 1) break;
    json j = json::parse(inbox_.substr(colon + 1, len), nullptr, false);
    inbox_.erase(0, colon + 1 + len + 1);
    if (j.is_discarded()) continue;
    if (j.value("response", false)) {
      responses_.push_back(std::move(j));
    } else if (j.value("event", false)) {
      events_.push_back(std::move(j));
    }
  }
  return true;
}

std::string Baresip::command(const std::string& name, const std::string& params) {
  const std::string token = std::to_string(next_token_++);
  const std::string body = json{{"command", name}, {"params", params}, {"token", token}}.dump();
  const std::string wire = std::to_string(body.size()) + ":" + body + ",";
  if (::send(ctrl_, wire.data(), wire.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(wire.size()))
    throw std::runtime_error("baresip ctrl_tcp: cannot send " + name);
  const auto end = Clock::now() + Millis(5000);
  while (Clock::now() < end) {
    for (auto it = responses_.begin(); it != responses_.end(); ++it) {
      if (it->value("token", "") != token) continue;
      const json r = *it;
      responses_.erase(it);
      if (!r.value("ok", false))
        throw std::runtime_error("baresip " + name + " failed: " + r.dump());
      return r.value("data", "");
    }
    pump(Millis(100));
  }
  throw std::runtime_error("baresip gave no answer to " + name + ":\n" + diagnostics());
}

std::optional<json> Baresip::wait_event(const std::string& type, Millis limit) {
  const auto end = Clock::now() + limit;
  for (;;) {
    for (auto it = events_.begin(); it != events_.end(); ++it) {
      if (it->value("type", "") != type) continue;
      json e = *it;
      events_.erase(it);
      return e;
    }
    const auto left = std::chrono::duration_cast<Millis>(end - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pump(std::min(left, Millis(200)));
  }
}

void Baresip::kill9() {
  child_->signal(SIGKILL);
  (void)child_->wait_for(Millis(5000));
}

void Baresip::dial(const std::string& uri) {
  (void)command("dial", uri);
}

bool Baresip::wait_established(Millis limit) {
  return wait_event("CALL_ESTABLISHED", limit).has_value();
}

std::uint64_t Baresip::rtp_received() {
  // "member ...: lost=0 Jitter=..\n IP=..  psent=N rcvd=M": packets the
  // RTCP session counted from the peer's SSRC.
  // Without a call menu.so has no audio_debug command: the last count stands.
  static const std::regex kRcvd("rcvd=([0-9]+)");
  std::string data;
  try {
    data = command("audio_debug");
  } catch (const std::runtime_error&) {
    return last_rcvd_;
  }
  for (std::sregex_iterator it(data.begin(), data.end(), kRcvd), e; it != e; ++it)
    last_rcvd_ = std::max<std::uint64_t>(last_rcvd_, std::stoull((*it)[1].str()));
  return last_rcvd_;
}

bool Baresip::wait_rtp(std::uint64_t packets, Millis limit) {
  const auto end = Clock::now() + limit;
  for (;;) {
    if (rtp_received() >= packets) return true;
    if (Clock::now() >= end) return false;
    pump(Millis(100));  // paces the polls and keeps events flowing in
  }
}

void Baresip::hang_up() {
  (void)rtp_received();  // the counters go with the call
  (void)command("hangup");
}

bool Baresip::wait_closed(Millis limit) {
  return wait_event("CALL_CLOSED", limit).has_value();
}

bool Baresip::wait_refused(Millis limit) {
  return poll_until(limit, [&] {
    return read_file((dir_ / "out.txt").string()).find("403 Forbidden") != std::string::npos;
  });
}

std::string Baresip::diagnostics() const {
  return "--- baresip " + dir_.string() + " stdout:\n" +
         tail(read_file((dir_ / "out.txt").string())) + "\n--- stderr:\n" +
         tail(read_file((dir_ / "err.txt").string()), 1000);
}

// ---- linphonec

Linphonec::Linphonec(const TempDir& dir, const std::string& name, const PhoneAccount& a)
    : dir_(dir.path() / name) {
  // Without this directory the core never starts (INVITEs get 503).
  std::filesystem::create_directories(dir_ / "home" / ".local" / "share" / "linphone");
  const std::string t = transport_name(a.transport);
  const bool udp = a.transport == SipTransport::Udp;
  // -1: a random port. A fresh rc file each run: linphonec rewrites it.
  const std::string rc =
      "[sip]\n"
      "sip_port=" +
      std::string(udp ? "-1" : "0") + "\n" +
      "sip_tcp_port=" + std::string(a.transport == SipTransport::Tcp ? "-1" : "0") + "\n" +
      "sip_tls_port=" + std::string(a.transport == SipTransport::Tls ? "-1" : "0") + "\n" +
      "default_proxy=0\n"
      "use_ipv6=0\n"
      "register_only_when_network_is_up=0\n" +
      (a.ca_file.empty() ? std::string() : "root_ca=" + a.ca_file + "\nverify_server_certs=1\n") +
      "[net]\n"
      "use_ipv6=0\n"
      "[rtp]\n"
      "audio_rtp_port=-1\n"
      "video_rtp_port=-1\n"
      "[video]\n"
      "capture=0\n"
      "display=0\n"
      "[proxy_0]\n"
      "reg_proxy=<sip:" +
      a.server + ";transport=" + t + ">\n" + "reg_route=<sip:" + a.server + ";transport=" + t +
      ";lr>\n" + "reg_identity=<sip:" + a.user + "@" + a.domain + ">\n" +
      "reg_expires=300\n"
      "reg_sendregister=1\n"
      "publish=0\n"
      "[auth_info_0]\n"
      "username=" +
      a.user + "\n" + "passwd=" + a.password + "\n" + "realm=" + a.domain + "\n" +
      "domain=" + a.domain + "\n";
  write_file((dir_ / "rc").string(), rc);
  // Commands come through a FIFO we hold open read-write: opening it never
  // blocks, and closing it is linphonec's EOF.
  const std::string fifo = (dir_ / "fifo").string();
  if (::mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
  fifo_ = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  if (fifo_ < 0) throw std::runtime_error("cannot open the FIFO");
  SpawnOptions o;
  o.argv = {program("linphonec", "linphone-cli"),
            "-c",
            (dir_ / "rc").string(),
            "-d",
            "6",
            "-l",
            (dir_ / "log").string(),
            "-a"};
  o.env = {{"HOME", (dir_ / "home").string()}};
  o.unset_env = {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"};  // all under HOME
  o.cwd = dir_.string();
  o.stdin_file = fifo;
  o.stdout_file = (dir_ / "out.txt").string();
  o.stderr_file = (dir_ / "err.txt").string();
  child_ = std::make_unique<Child>(o);
  command("soundcard use files");        // no sound card: wav files
  command(std::string("play ") + kWav);  // sent in calls; without it no RTP goes out
  if (!poll_until(Millis(10000),
                  [&] {
                    return output().find("linphonec> play") != std::string::npos ||
                           !child_->running();
                  }) ||
      !child_->running())
    throw std::runtime_error("linphonec did not start:\n" + diagnostics());
}

Linphonec::~Linphonec() {
  if (child_ && child_->running()) {
    command("quit");  // un-registers, then exits
    (void)child_->wait_for(Millis(3000));
  }
  if (fifo_ >= 0) ::close(fifo_);
  if (child_) child_->stop(Millis(1000));
}

void Linphonec::command(const std::string& line) {
  const std::string text = line + "\n";
  if (::write(fifo_, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw std::runtime_error("cannot write to linphonec's FIFO");
}

std::string Linphonec::output() const {
  return read_file((dir_ / "out.txt").string());
}

std::string Linphonec::log() const {
  return read_file((dir_ / "log").string());
}

void Linphonec::dial(const std::string& uri) {
  command("call " + uri);
}

bool Linphonec::wait_established(Millis limit) {
  return poll_until(
      limit, [&] { return count(output(), "Media streams established with") > calls_seen_; });
}

bool Linphonec::wait_rtp(std::uint64_t packets, Millis limit) {
  // While a call runs liblinphone logs its bandwidth once a second:
  // "RTP : [d=44.63,u=40.44]" (kbit/s down, up). A second with d > 0 is
  // about 50 packets at 20 ms (the exact count comes with the end-of-call
  // statistics, rtp_received()).
  static const std::regex kDown("RTP : \\[d=([0-9.]+),");
  const std::uint64_t seconds = std::max<std::uint64_t>(1, (packets + 49) / 50);
  return poll_until(limit, [&] {
    const std::string text = log();
    std::uint64_t receiving = 0;
    std::size_t from = 0;
    for (std::size_t i = 0; i < calls_seen_; ++i) {  // skip earlier calls
      const auto at = text.find("AUDIO SESSION'S RTP STATISTICS", from);
      if (at == std::string::npos) break;
      from = at + 1;
    }
    const std::string current = text.substr(from);
    for (std::sregex_iterator it(current.begin(), current.end(), kDown), e; it != e; ++it)
      receiving += std::stod((*it)[1].str()) > 0.0;
    return receiving >= seconds;
  });
}

void Linphonec::hang_up() {
  command("terminate");
}

bool Linphonec::wait_closed(Millis limit) {
  const bool ended = poll_until(limit, [&] {
    return count(output(), "ended (") > ends_seen_ &&
           count(log(), "AUDIO SESSION'S RTP STATISTICS") > stats_seen_;
  });
  if (ended) {
    ends_seen_ = count(output(), "ended (");
    calls_seen_ = count(output(), "Media streams established with");
  }
  return ended;
}

std::uint64_t Linphonec::rtp_received() {
  // The last end-of-call block: "ortp-message-received   N packets".
  static const std::regex kReceived("ortp-message-received +([0-9]+) packets");
  const std::string text = log();
  const auto at = text.rfind("AUDIO SESSION'S RTP STATISTICS");
  if (at == std::string::npos) return 0;
  stats_seen_ = count(text, "AUDIO SESSION'S RTP STATISTICS");
  const std::string block = text.substr(at, 2000);
  std::smatch m;
  if (!std::regex_search(block, m, kReceived)) return 0;
  return std::stoull(m[1].str());
}

bool Linphonec::wait_refused(Millis limit) {
  return poll_until(limit,
                    [&] { return log().find("SIP/2.0 403 Forbidden") != std::string::npos; });
}

std::string Linphonec::diagnostics() const {
  return "--- linphonec " + dir_.string() + " stdout:\n" + tail(output()) + "\n--- log:\n" +
         tail(log(), 6000) + "\n--- stderr:\n" + tail(read_file((dir_ / "err.txt").string()), 1000);
}

// ---- sipsak

SipsakResult sipsak_register(const TempDir& dir, const PhoneAccount& a,
                             const std::string& contact) {
  const std::string out = dir.file("sipsak-" + a.user + "-" + std::to_string(::getpid()) + ".out");
  SpawnOptions o;
  // -s host must resolve: the account's domain has the alias 127.0.0.1.
  o.argv = {program("sipsak", "sipsak"),
            "-U",
            "-C",
            contact,
            "-s",
            "sip:" + a.user + "@127.0.0.1",
            "-p",
            a.server,
            "-u",
            a.user,
            "-a",
            a.password,
            "-x",
            "60",
            "-vvv"};
  o.stdout_file = out;
  o.stderr_file = out + ".err";
  Child child(o);
  SipsakResult r;
  r.exit_status = child.wait_for(Millis(15000)).value_or(-1);
  r.output = read_file(out) + read_file(out + ".err");
  static const std::regex kStatus("\nSIP/2\\.0 ([0-9]{3}) ");
  for (std::sregex_iterator it(r.output.begin(), r.output.end(), kStatus), e; it != e; ++it)
    r.statuses.push_back(std::stoi((*it)[1].str()));
  return r;
}

}  // namespace sipsmith::itest
