// ControlServer on a real unix socket in a temp directory, driven by a real
// EventLoop on the test thread; the client is a plain non-blocking socket.
#include "sip/control/server.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "sip/auth/password.hpp"
#include "sip/control/registry.hpp"
#include "sip/event/bus.hpp"
#include "sip/transport/event_loop.hpp"

namespace sip::control {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

// A client socket; reads are driven by EventLoop::run_until.
class Client {
 public:
  explicit Client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr = unix_address(path);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }

  void send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n > 0)
        sent += static_cast<std::size_t>(n);
      else if (errno != EAGAIN)
        break;
    }
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  // Drains what is readable; false once the peer closed.
  void pump() {
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        in_.append(buf, static_cast<std::size_t>(n));
      } else {
        if (n == 0) eof_ = true;
        return;
      }
    }
  }
  std::size_t lines() const {
    return static_cast<std::size_t>(std::count(in_.begin(), in_.end(), '\n'));
  }
  bool eof() const { return eof_; }

  // Runs the loop until `count` response lines arrived (or `limit` passed).
  std::vector<json> read(transport::EventLoop& loop, std::size_t count,
                         std::chrono::milliseconds limit = 2s) {
    loop.run_until(
        [&] {
          pump();
          return lines() >= count || eof_;
        },
        limit);
    std::vector<json> out;
    std::size_t start = 0;
    for (std::size_t nl; (nl = in_.find('\n', start)) != std::string::npos; start = nl + 1)
      out.push_back(json::parse(in_.substr(start, nl - start)));
    in_.erase(0, start);
    return out;
  }
  bool wait_eof(transport::EventLoop& loop) {
    return loop.run_until(
        [&] {
          pump();
          return eof_;
        },
        2s);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string in_;
};

class ControlServerTest : public ::testing::Test {
 public:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sipctl-srv-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "ctl.sock").string();
    registry_.add("echo", [](const json& params) -> CommandResult { return params; });
    registry_.add("count", [this](const json&) -> CommandResult { return json(++calls_); });
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  ServerOptions options() const {
    ServerOptions o;
    o.path = path_;
    o.mode = 0660;
    return o;
  }

  transport::EventLoop loop_;
  CommandRegistry registry_;
  std::filesystem::path dir_;
  std::string path_;
  int calls_ = 0;
};

TEST_F(ControlServerTest, PipelinedRequestsAreAnsweredInOrder) {
  ControlServer server(loop_, options(), registry_);
  ASSERT_TRUE(server.start().ok());
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);

  Client c(path_);
  ASSERT_TRUE(c.connected());
  std::string batch;
  for (int i = 1; i <= 20; ++i)
    batch += json({{"id", i}, {"method", "count"}}).dump() + (i % 2 ? "\n" : "\r\n");
  c.send(batch);
  auto responses = c.read(loop_, 20);
  ASSERT_EQ(responses.size(), 20u);
  for (int i = 1; i <= 20; ++i) {
    EXPECT_EQ(responses[i - 1]["id"], i);
    EXPECT_EQ(responses[i - 1]["result"], i);  // handled in order
  }
  // A request split over several writes is still one request.
  c.send(R"({"id":"x","meth)");
  loop_.run_for(20ms);
  c.send("od\":\"echo\",\"params\":{\"a\":[1,2]}}\n");
  responses = c.read(loop_, 1);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0], json({{"id", "x"}, {"result", {{"a", {1, 2}}}}}));
}

TEST_F(ControlServerTest, ProtocolErrorsKeepTheConnectionOpen) {
  ControlServer server(loop_, options(), registry_);
  ASSERT_TRUE(server.start().ok());
  Client c(path_);
  c.send(
      "this is not "
      "json\n\n{\"id\":7,\"method\":\"nope\"}\n{\"id\":8}\n{\"id\":9,\"method\":\"echo\"}\n");
  auto r = c.read(loop_, 4);  // the blank line gets no answer
  ASSERT_EQ(r.size(), 4u);
  EXPECT_TRUE(r[0]["id"].is_null());
  EXPECT_EQ(r[0]["error"]["code"], "parse_error");
  EXPECT_EQ(r[1]["id"], 7);
  EXPECT_EQ(r[1]["error"]["code"], "unknown_method");
  EXPECT_EQ(r[2]["error"]["code"], "invalid_request");
  EXPECT_EQ(r[3], json({{"id", 9}, {"result", json::object()}}));
  EXPECT_FALSE(c.eof());
}

TEST_F(ControlServerTest, OverLongLineGetsAnErrorAndTheConnectionCloses) {
  ServerOptions o = options();
  o.max_line = 1024;
  ControlServer server(loop_, o, registry_);
  ASSERT_TRUE(server.start().ok());
  Client c(path_);
  c.send(R"({"id":1,"method":"count"})"
         "\n");
  c.send(std::string(4000, 'x'));  // no newline, far over the limit
  auto r = c.read(loop_, 2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0]["result"], 1);
  EXPECT_TRUE(r[1]["id"].is_null());
  EXPECT_EQ(r[1]["error"]["code"], "limit_reached");
  EXPECT_TRUE(c.wait_eof(loop_));
  EXPECT_TRUE(loop_.run_until([&] { return server.connection_count() == 0; }, 2s));
  EXPECT_EQ(calls_, 1);

  // A line exactly at the limit is fine.
  Client d(path_);
  std::string line = R"({"id":2,"method":"echo","params":{"p":")";
  line += std::string(1024 - line.size() - 3, 'y') + "\"}}";
  ASSERT_EQ(line.size(), 1024u);
  d.send(line + "\n");
  r = d.read(loop_, 1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["id"], 2);
  EXPECT_TRUE(r[0].contains("result"));
}

TEST_F(ControlServerTest, ATricklingClientIsCutOffButAnIdleOneIsNot) {
  ServerOptions o = options();
  o.line_timeout = 300ms;
  ControlServer server(loop_, o, registry_);
  ASSERT_TRUE(server.start().ok());
  Client slow(path_);
  Client idle(path_);
  slow.send(R"({"id":1,"method":"count"})"
            "\n");
  ASSERT_EQ(slow.read(loop_, 1).size(), 1u);
  // A byte now and then, never the newline: cut off after the deadline
  // although bytes keep coming.
  const auto start = std::chrono::steady_clock::now();
  std::vector<json> r;
  for (int i = 0; i < 40 && r.empty() && !slow.eof(); ++i) {
    slow.send("{");
    r = slow.read(loop_, 1, 50ms);
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["error"]["code"], "limit_reached");
  EXPECT_NE(r[0]["error"]["message"].get<std::string>().find("not completed within 300 ms"),
            std::string::npos);
  EXPECT_GE(waited, 300ms);
  EXPECT_TRUE(slow.wait_eof(loop_));
  // The idle client (nothing sent at all) is still served.
  idle.send(R"({"id":2,"method":"count"})"
            "\n");
  r = idle.read(loop_, 1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["result"], 2);
  EXPECT_FALSE(idle.eof());
}

TEST_F(ControlServerTest, EndOfInputAnswersTheLastLineThenCloses) {
  ControlServer server(loop_, options(), registry_);
  ASSERT_TRUE(server.start().ok());
  Client c(path_);
  c.send("{\"id\":1,\"method\":\"count\"}\n{\"id\":2,\"method\":\"count\"}");  // no final newline
  c.shutdown_write();
  auto r = c.read(loop_, 2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1]["result"], 2);
  EXPECT_TRUE(c.wait_eof(loop_));
  EXPECT_TRUE(loop_.run_until([&] { return server.connection_count() == 0; }, 2s));
}

TEST_F(ControlServerTest, ASecondServerOnALivePathIsRefused) {
  ControlServer first(loop_, options(), registry_);
  ASSERT_TRUE(first.start().ok());
  ControlServer second(loop_, options(), registry_);
  Result<void> r = second.start();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::conflict);
  second.stop();  // must not remove the first server's socket
  Client c(path_);
  ASSERT_TRUE(c.connected());
  c.send("{\"id\":1,\"method\":\"count\"}\n");
  ASSERT_EQ(c.read(loop_, 1).size(), 1u);
}

TEST_F(ControlServerTest, AStaleSocketFileIsReplaced) {
  {
    // A socket file left behind by a crashed daemon: bound, never unlinked.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr = unix_address(path_);
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  ASSERT_TRUE(std::filesystem::exists(path_));
  ControlServer server(loop_, options(), registry_);
  Result<void> r = server.start();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  Client c(path_);
  c.send("{\"id\":1,\"method\":\"count\"}\n");
  ASSERT_EQ(c.read(loop_, 1).size(), 1u);
}

TEST_F(ControlServerTest, AFileThatIsNotASocketIsLeftAlone) {
  { std::ofstream(path_) << "precious"; }
  ControlServer server(loop_, options(), registry_);
  Result<void> r = server.start();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::bad_config);
  std::ifstream in(path_);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "precious");
}

TEST_F(ControlServerTest, StopClosesClientsAndRemovesTheSocketFile) {
  auto server = std::make_unique<ControlServer>(loop_, options(), registry_);
  ASSERT_TRUE(server->start().ok());
  Client c(path_);
  c.send("{\"id\":1,\"method\":\"count\"}\n");
  ASSERT_EQ(c.read(loop_, 1).size(), 1u);
  EXPECT_EQ(server->connection_count(), 1u);
  server->stop();
  EXPECT_FALSE(std::filesystem::exists(path_));
  EXPECT_TRUE(c.wait_eof(loop_));
  server.reset();
  loop_.run_for(10ms);  // aborted handlers run after the server is gone
  // The path is free for a new server.
  ControlServer again(loop_, options(), registry_);
  EXPECT_TRUE(again.start().ok());
}

TEST_F(ControlServerTest, ClientsBeyondTheLimitAreTurnedAway) {
  ServerOptions o = options();
  o.max_clients = 1;
  ControlServer server(loop_, o, registry_);
  ASSERT_TRUE(server.start().ok());
  Client first(path_);
  first.send("{\"id\":1,\"method\":\"count\"}\n");
  ASSERT_EQ(first.read(loop_, 1).size(), 1u);
  Client second(path_);
  auto r = second.read(loop_, 1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["error"]["code"], "limit_reached");
  EXPECT_TRUE(second.wait_eof(loop_));
  first.send("{\"id\":2,\"method\":\"count\"}\n");
  EXPECT_EQ(first.read(loop_, 1).at(0)["result"], 2);
}

TEST_F(ControlServerTest, CustomerPasswordsAreHashedOffTheLoopThreadInOrder) {
  json seen;
  registry_.add("customer.update", [&](const json& p) -> CommandResult {
    seen = p;
    return json{{"username", "x"}};
  });
  ServerOptions o = options();
  o.password_iterations = 2000000;  // long enough to see the loop answer meanwhile
  ControlServer server(loop_, o, registry_);
  ASSERT_TRUE(server.start().ok());
  Client a(path_), b(path_);
  a.send(json({{"id", 1},
               {"method", "customer.update"},
               {"params", {{"username", "x"}, {"password", "secret-pw-1"}}}})
             .dump() +
         "\n" + json({{"id", 2}, {"method", "count"}}).dump() + "\n");
  // While A's password is hashed, B is answered; A's lines wait.
  b.send(json({{"id", 3}, {"method", "count"}}).dump() + "\n");
  auto rb = b.read(loop_, 1);
  ASSERT_EQ(rb.size(), 1u);
  EXPECT_EQ(rb[0]["result"], 1);
  EXPECT_TRUE(seen.is_null()) << seen;
  auto ra = a.read(loop_, 2, 60s);
  ASSERT_EQ(ra.size(), 2u);
  EXPECT_EQ(ra[0]["id"], 1);
  EXPECT_EQ(ra[0]["result"]["username"], "x");
  EXPECT_EQ(ra[1], json({{"id", 2}, {"result", 2}}));
  EXPECT_FALSE(seen.contains("password")) << seen;
  ASSERT_TRUE(seen.contains("password_hash")) << seen;
  EXPECT_TRUE(auth::verify_password(seen["password_hash"].get<std::string>(), "secret-pw-1"));
}

TEST_F(ControlServerTest, AGeneratedPasswordIsReturnedAndABadOneRefusedWithItsId) {
  json seen;
  registry_.add("customer.add", [&](const json& p) -> CommandResult {
    seen = p;
    return json{{"username", p.value("username", "")}};
  });
  ServerOptions o = options();
  o.password_iterations = 1000;
  ControlServer server(loop_, o, registry_);
  ASSERT_TRUE(server.start().ok());
  Client c(path_);
  c.send(json({{"id", 1}, {"method", "customer.add"}, {"params", {{"username", "new1"}}}}).dump() +
         "\n" +
         json({{"id", 2},
               {"method", "customer.add"},
               {"params", {{"username", "new2"}, {"password", ""}}}})
             .dump() +
         "\n");
  auto r = c.read(loop_, 2, 20s);
  ASSERT_EQ(r.size(), 2u);
  const std::string generated = r[0]["result"].value("password", "");
  EXPECT_EQ(generated.size(), 16u) << r[0];
  EXPECT_TRUE(auth::verify_password(seen.value("password_hash", ""), generated)) << seen;
  EXPECT_EQ(r[1]["id"], 2);
  EXPECT_EQ(r[1]["error"]["code"], "invalid_argument") << r[1];
  EXPECT_EQ(seen.value("username", ""), "new1");  // the refused one never ran
}

}  // namespace
}  // namespace sip::control

namespace sip::control {
namespace {

// A streaming method: after its answer the connection carries the
// subscription's events; other input is ignored; a leaving client ends the
// subscription. A plain call of a streaming method is refused.
TEST_F(ControlServerTest, AStreamCarriesEventsUntilTheClientLeaves) {
  event::Bus bus;
  registry_.add_stream(
      "watch",
      [&bus](const json& params,
             std::function<void()> notify) -> std::variant<StreamOpened, CommandError> {
        std::string error;
        auto filter = event::Filter::parse(params.value("filter", ""), &error);
        if (!filter) return CommandError{"invalid_argument", error};
        StreamOpened opened;
        opened.subscription = bus.subscribe(std::move(*filter), 0, 2, std::move(notify));
        opened.result = json{{"filter", opened.subscription->filter().text()}};
        return opened;
      });
  EXPECT_EQ(registry_.call("watch", json::object()).error().code, "invalid_request");
  ControlServer server(loop_, options(), registry_);
  ASSERT_TRUE(server.start().ok());

  Client bad(path_);
  bad.send(R"({"id":1,"method":"watch","params":{"filter":"colour red"}})"
           "\n");
  auto answer = bad.read(loop_, 1);
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(answer[0]["error"]["code"], "invalid_argument");
  EXPECT_EQ(bus.subscribers(), 0u);

  Client c(path_);
  c.send(R"({"id":2,"method":"watch","params":{"filter":"event call"}})"
         "\n");
  answer = c.read(loop_, 1);
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(answer[0]["result"]["filter"], "event call");
  EXPECT_EQ(bus.subscribers(), 1u);
  c.send(R"({"id":3,"method":"count"})"
         "\n");  // ignored on a stream
  event::Event e;
  e.type = event::Type::Call;
  e.what = "created";
  e.message = "one";
  bus.emit(e);
  e.type = event::Type::Leg;  // not in the filter
  bus.emit(e);
  auto lines = c.read(loop_, 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["type"], "call");
  EXPECT_EQ(lines[0]["message"], "one");
  EXPECT_EQ(calls_, 0);

  // Five events while the client reads nothing: the queue (2) keeps the
  // last two and the next batch says how many went.
  e.type = event::Type::Call;
  for (int i = 0; i < 5; ++i) {
    e.message = std::to_string(i);
    bus.emit(e);
  }
  lines = c.read(loop_, 1);
  std::size_t guard = 0;
  while (lines.size() < 3 && guard++ < 5) {
    auto more = c.read(loop_, 1);
    lines.insert(lines.end(), more.begin(), more.end());
  }
  ASSERT_GE(lines.size(), 3u);
  // The first write may have taken one event before the rest queued up.
  bool dropped = false;
  for (const auto& l : lines) dropped = dropped || l["type"] == "dropped";
  EXPECT_TRUE(dropped) << json(lines).dump();
  EXPECT_EQ(lines.back()["message"], "4");

  c.shutdown_write();
  EXPECT_TRUE(c.wait_eof(loop_));
  EXPECT_EQ(bus.subscribers(), 0u);
}

}  // namespace
}  // namespace sip::control
