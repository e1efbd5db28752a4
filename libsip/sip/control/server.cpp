#include "sip/control/server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_set>
#include <utility>

#include "sip/base/log.hpp"
#include "sip/control/event_json.hpp"
#include "sip/control/password_params.hpp"
#include "sip/control/registry.hpp"
#include "sip/event/bus.hpp"
#include "sip/transport/event_loop.hpp"

namespace sip::control {
namespace {

namespace asio = boost::asio;
using Local = asio::local::stream_protocol;
using boost::system::error_code;

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kStreamBatch = 256;  // events per write on a stream

// What is at `path`: nothing, a socket someone answers on, a stale socket,
// or something that is not a socket at all.
enum class PathState : std::uint8_t { Absent, Live, Stale, NotSocket };

PathState probe(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return PathState::Absent;
  if (!S_ISSOCK(st.st_mode)) return PathState::NotSocket;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return PathState::Live;  // cannot tell: do not delete it
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::close(fd);
  if (rc == 0) return PathState::Live;
  // ECONNREFUSED: a socket file nobody listens on. EAGAIN: a full backlog,
  // i.e. alive.
  return err == ECONNREFUSED ? PathState::Stale : PathState::Live;
}

// One worker thread for the PBKDF2 of customer passwords, so that the
// event loop's thread never spends hundreds of milliseconds hashing (and a
// second one, the same class, for the reader methods' store reads). A job
// runs on the worker and returns what to run on the loop afterwards.
// stop() drops queued jobs and joins (a running hash finishes first).
class Hasher {
 public:
  using Job = std::function<std::function<void()>()>;
  explicit Hasher(asio::io_context& io) : io_(io) {}
  ~Hasher() { stop(); }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void submit(Job job) {
    std::lock_guard lock(mu_);
    stopped_ = false;
    jobs_.push_back(std::move(job));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    cv_.notify_one();
  }
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      jobs_.clear();
      cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopped_ || !jobs_.empty(); });
        if (stopped_) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      std::function<void()> then = job();
      std::lock_guard lock(mu_);
      if (stopped_) return;
      asio::post(io_, std::move(then));
    }
  }

  asio::io_context& io_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace

class Connection;

struct ControlServer::Impl : std::enable_shared_from_this<ControlServer::Impl> {
  Impl(transport::EventLoop& l, ServerOptions o, const CommandRegistry& r)
      : io(*static_cast<asio::io_context*>(l.native())),
        options(std::move(o)),
        registry(r),
        acceptor(io),
        hasher(io),
        reader(io) {}

  void accept();
  void on_accept(error_code ec, Local::socket socket);
  void forget(const std::shared_ptr<Connection>& c) { connections.erase(c); }

  asio::io_context& io;
  ServerOptions options;
  const CommandRegistry& registry;
  Local::acceptor acceptor;
  Hasher hasher;
  Hasher reader;  // runs options.reader's methods
  std::unordered_set<std::shared_ptr<Connection>> connections;
  bool bound = false;
};

// One client: reads lines, answers each through the registry, writes the
// answers in order through a queue. Reading pauses while answers are being
// written, so a client that does not read cannot grow our memory. A line
// with a customer password to hash goes to the Hasher first, a reader
// method to the reader worker; the lines after it wait, so answers keep
// their order.
// A streaming request (console.subscribe) turns the connection into a
// stream: after its answer it carries the subscription's events, one batch
// written at a time (the subscription's bounded queue drops the oldest
// while a batch is being written), and further input is read only to
// notice the client leaving.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Local::socket socket, std::weak_ptr<ControlServer::Impl> server)
      : socket_(std::move(socket)),
        partial_timer_(socket_.get_executor()),
        server_(std::move(server)) {}

  void start() { read(); }

  void close() {
    if (closed_) return;
    closed_ = true;
    partial_timer_.cancel();
    if (stream_) stream_->close();
    error_code ignored;
    socket_.shutdown(Local::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (auto server = server_.lock()) server->forget(shared_from_this());
  }

 private:
  void read() {
    reading_ = true;
    socket_.async_read_some(
        asio::buffer(chunk_),
        [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(error_code ec, std::size_t n) {
    reading_ = false;
    if (closed_) return;
    auto server = server_.lock();
    if (!server) return;
    if (stream_) {
      if (ec) return close();  // the subscriber left
      return read();           // input on a stream is ignored
    }
    if (ec) {
      // EOF (or a reset): answer a last line without newline, then close
      // once everything queued is written.
      std::string last = std::move(pending_);
      pending_.clear();
      closing_ = true;
      if (ec == asio::error::eof && !last.empty()) answer(*server, last);
      finish_or_continue();
      return;
    }
    pending_.append(chunk_.data(), n);
    process_lines(*server);
    watch_partial(*server);
    finish_or_continue();
  }

  // A partial request line in pending_ must be completed within
  // options.line_timeout of its first byte (the deadline restarts when a
  // line completed meanwhile and a newer one is partial).
  void watch_partial(ControlServer::Impl& server) {
    if (partial_armed_ || pending_.empty() || closing_ || stream_) return;
    partial_armed_ = true;
    const std::uint64_t seen = lines_seen_;
    partial_timer_.expires_after(server.options.line_timeout);
    partial_timer_.async_wait([self = shared_from_this(), seen](error_code ec) {
      self->partial_armed_ = false;
      if (ec || self->closed_) return;
      auto srv = self->server_.lock();
      if (!srv || self->pending_.empty() || self->closing_ || self->stream_) return;
      if (self->lines_seen_ != seen || self->hashing_) return self->watch_partial(*srv);
      std::string response = CommandRegistry::error_line(
          "limit_reached", "request line not completed within " +
                               std::to_string(srv->options.line_timeout.count()) +
                               " ms; closing the connection");
      response.push_back('\n');
      self->out_.push_back(std::move(response));
      self->pending_.clear();
      self->closing_ = true;
      if (!self->writing_) self->write_next();
    });
  }

  // Answers the complete lines in pending_ until one goes to the Hasher.
  void process_lines(ControlServer::Impl& server) {
    std::size_t start = 0;
    while (!closing_ && !hashing_ && !stream_) {
      std::size_t nl = pending_.find('\n', start);
      if (nl == std::string::npos) break;
      std::string_view line(pending_.data() + start, nl - start);
      start = nl + 1;
      if (line.size() > server.options.max_line) {
        too_long(server);
        break;
      }
      answer(server, line);
    }
    pending_.erase(0, start);
    if (stream_) pending_.clear();
    if (!closing_ && !hashing_ && pending_.size() > server.options.max_line) too_long(server);
  }

  void answer(ControlServer::Impl& server, std::string_view line) {
    ++lines_seen_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;  // blank line
    // Only lines that can carry a customer password (or have one generated)
    // are parsed here; the registry parses every line anyway.
    const bool maybe = line.find("password") != std::string_view::npos ||
                       line.find("customer.add") != std::string_view::npos;
    if (maybe && hash_first(server, line)) return;
    if (server.options.reader != nullptr && read_aside(server, line)) return;
    std::weak_ptr<Connection> weak = weak_from_this();
    asio::io_context& io = server.io;
    auto answered = server.registry.handle_line(line, [weak, &io] {
      // Inside the Bus's emit: only schedule the write.
      asio::post(io, [weak] {
        if (auto self = weak.lock()) self->pump();
      });
    });
    answered.line.push_back('\n');
    out_.push_back(std::move(answered.line));
    if (answered.subscription) stream_ = std::move(answered.subscription);
  }

  // Writes the stream's queued events (one batch) when nothing is being
  // written.
  void pump() {
    if (closed_ || writing_ || !stream_ || !out_.empty()) return;
    auto batch = stream_->take(kStreamBatch);
    if (batch.events.empty() && batch.dropped == 0) return;
    out_.push_back(batch_lines(batch));
    write_next();
  }

  // A request whose params carry a clear customer password: hashed on the
  // Hasher, then answered on the loop. False when it is not one.
  bool hash_first(ControlServer::Impl& server, std::string_view line) {
    nlohmann::json req = nlohmann::json::parse(line, nullptr, false);
    if (!req.is_object()) return false;
    auto m = req.find("method");
    auto p = req.find("params");
    if (m == req.end() || !m->is_string() || p == req.end()) return false;
    const std::string method = m->get<std::string>();
    if (!has_password_params(method, *p)) return false;
    hashing_ = true;
    const std::uint32_t iterations = server.options.password_iterations;
    // Weak handles only: nothing of the loop's is destroyed on the worker.
    std::weak_ptr<ControlServer::Impl> weak = server_;
    std::weak_ptr<Connection> conn = weak_from_this();
    server.hasher.submit(
        [conn, weak, req = std::move(req), method, iterations]() mutable -> std::function<void()> {
          std::string generated;
          CommandResult hashed =
              hash_password_params(method, std::move(req["params"]), iterations, &generated);
          return [conn, weak, req = std::move(req), hashed = std::move(hashed),
                  generated = std::move(generated)]() mutable {
            auto srv = weak.lock();
            auto self = conn.lock();
            if (!srv || !self || self->closed_) return;
            self->hashing_ = false;
            self->answer_hashed(*srv, std::move(req), std::move(hashed), generated);
            if (!self->closing_) self->process_lines(*srv);
            self->finish_or_continue();
          };
        });
    return true;
  }

  // A request for one of the reader methods: answered on the reader worker
  // (its registry, its store connection), then written on the loop. False
  // when it is not one.
  bool read_aside(ControlServer::Impl& server, std::string_view line) {
    nlohmann::json req = nlohmann::json::parse(line, nullptr, false);
    if (!req.is_object()) return false;
    auto m = req.find("method");
    if (m == req.end() || !m->is_string() ||
        server.options.reader_methods.count(m->get_ref<const std::string&>()) == 0) {
      return false;
    }
    hashing_ = true;
    std::weak_ptr<ControlServer::Impl> weak = server_;
    std::weak_ptr<Connection> conn = weak_from_this();
    const CommandRegistry* reader = server.options.reader;
    server.reader.submit([conn, weak, reader, line = std::string(line)]() -> std::function<void()> {
      std::string response = reader->handle_line(line);
      return [conn, weak, response = std::move(response)]() mutable {
        auto srv = weak.lock();
        auto self = conn.lock();
        if (!srv || !self || self->closed_) return;
        self->hashing_ = false;
        response.push_back('\n');
        self->out_.push_back(std::move(response));
        if (!self->closing_) self->process_lines(*srv);
        self->finish_or_continue();
      };
    });
    return true;
  }

  void answer_hashed(ControlServer::Impl& server, nlohmann::json req, CommandResult hashed,
                     const std::string& generated) {
    std::string response;
    if (!hashed.ok()) {
      nlohmann::json e = {
          {"id", req.value("id", nlohmann::json())},
          {"error", {{"code", hashed.error().code}, {"message", hashed.error().message}}}};
      response = e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      req["params"] = std::move(hashed.value());
      response = server.registry.handle_line(req.dump());
      if (!generated.empty()) {
        nlohmann::json r = nlohmann::json::parse(response, nullptr, false);
        if (r.is_object() && r.contains("result") && r["result"].is_object()) {
          r["result"]["password"] = generated;
          response = r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        }
      }
    }
    response.push_back('\n');
    out_.push_back(std::move(response));
  }

  void too_long(const ControlServer::Impl& server) {
    std::string response = CommandRegistry::error_line(
        "limit_reached", "request line longer than " + std::to_string(server.options.max_line) +
                             " bytes; closing the connection");
    response.push_back('\n');
    out_.push_back(std::move(response));
    pending_.clear();
    closing_ = true;
  }

  // After reading: write what is queued; with nothing queued either close
  // (closing) or read on.
  void finish_or_continue() {
    if (writing_) return;
    if (!out_.empty()) return write_next();
    if (hashing_) return;  // the Hasher's (or the reader's) answer continues
    if (closing_) return close();
    if (stream_) {
      if (!reading_) read();
      return pump();
    }
    read();
  }

  void write_next() {
    writing_ = true;
    asio::async_write(socket_, asio::buffer(out_.front()),
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (self->closed_) return;
                        if (ec) return self->close();
                        self->out_.pop_front();
                        self->finish_or_continue();
                      });
  }

  Local::socket socket_;
  asio::steady_timer partial_timer_;  // the deadline of a partial request line
  std::weak_ptr<ControlServer::Impl> server_;
  std::array<char, kReadChunk> chunk_{};
  std::string pending_;  // bytes of an incomplete line
  std::deque<std::string> out_;
  std::shared_ptr<event::Subscription> stream_;  // set by a streaming request
  bool reading_ = false;
  bool writing_ = false;
  bool hashing_ = false;  // a line is at the Hasher or the reader; later lines wait
  bool closing_ = false;  // close once out_ is written
  bool closed_ = false;
  bool partial_armed_ = false;    // partial_timer_ runs
  std::uint64_t lines_seen_ = 0;  // request lines received so far
};

void ControlServer::Impl::accept() {
  acceptor.async_accept([weak = weak_from_this()](error_code ec, Local::socket socket) {
    if (auto self = weak.lock()) self->on_accept(ec, std::move(socket));
  });
}

void ControlServer::Impl::on_accept(error_code ec, Local::socket socket) {
  if (!acceptor.is_open()) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    log(LogLevel::Warn, "control", "accept failed: " + ec.message());
  } else if (connections.size() >= options.max_clients) {
    // A fresh socket's send buffer always has room for one short line.
    std::string line = CommandRegistry::error_line("limit_reached", "too many control clients");
    line.push_back('\n');
    error_code ignored;
    asio::write(socket, asio::buffer(line), ignored);
    socket.close(ignored);
  } else {
    auto c = std::make_shared<Connection>(std::move(socket), weak_from_this());
    connections.insert(c);
    c->start();
  }
  accept();
}

ControlServer::ControlServer(transport::EventLoop& loop, ServerOptions options,
                             const CommandRegistry& registry)
    : impl_(std::make_shared<Impl>(loop, std::move(options), registry)) {}

ControlServer::~ControlServer() {
  stop();
}

Result<void> ControlServer::start() {
  Impl& s = *impl_;
  const std::string& path = s.options.path;
  if (s.acceptor.is_open()) return make_error(Errc::conflict, 0, "control server already started");
  if (path.empty()) return make_error(Errc::bad_config, 0, "control socket path is empty");
  if (path.size() >= sizeof(sockaddr_un{}.sun_path))
    return make_error(Errc::bad_config, 0, "control socket path is too long");
  switch (probe(path)) {
    case PathState::Absent: break;
    case PathState::Live:
      return make_error(Errc::conflict, 0, "another server is listening on the control socket");
    case PathState::Stale: ::unlink(path.c_str()); break;
    case PathState::NotSocket:
      return make_error(Errc::bad_config, 0, "control socket path exists and is not a socket");
  }
  error_code ec;
  s.acceptor.open(Local(), ec);
  if (!ec) s.acceptor.bind(Local::endpoint(path), ec);
  if (ec) {
    error_code ignored;
    s.acceptor.close(ignored);
    return make_error(Errc::network, 0, "cannot bind the control socket");
  }
  s.bound = true;
  // Before listen(): nobody can connect while the mode is still the umask's.
  if (::chmod(path.c_str(), static_cast<mode_t>(s.options.mode)) != 0) {
    stop();
    return make_error(Errc::network, 0, "cannot set the control socket's permissions");
  }
  s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    stop();
    return make_error(Errc::network, 0, "cannot listen on the control socket");
  }
  s.accept();
  return {};
}

void ControlServer::stop() {
  Impl& s = *impl_;
  s.hasher.stop();
  s.reader.stop();
  error_code ignored;
  s.acceptor.close(ignored);
  auto connections = std::move(s.connections);
  s.connections.clear();
  for (const auto& c : connections) c->close();
  if (s.bound) {
    ::unlink(s.options.path.c_str());
    s.bound = false;
  }
}

std::size_t ControlServer::connection_count() const noexcept {
  return impl_->connections.size();
}

const std::string& ControlServer::path() const noexcept {
  return impl_->options.path;
}

}  // namespace sip::control
