#include "sip/store/pg_listen.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string_view>
#include <string>
#include <thread>

#include "sip/base/log.hpp"

namespace sip::store {
namespace {

using Clock = std::chrono::steady_clock;

class ListenerImpl final : public ChangeListener {
 public:
  ListenerImpl(PgOptions options, OnChange on_change, std::chrono::milliseconds debounce)
      : options_(std::move(options)), on_change_(std::move(on_change)), debounce_(debounce) {
    wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  }
  ~ListenerImpl() override {
    stop();
    if (conn_ != nullptr) PQfinish(conn_);
    if (wake_ >= 0) ::close(wake_);
  }

  Result<void> launch() {
    if (wake_ < 0) return make_error(Errc::storage, 0, "eventfd failed");
    if (auto r = connect(); !r) return r;
    auto store = open_postgres(options_);
    if (!store) return store.error();
    store_ = std::move(*store);
    thread_ = std::thread([this] { run(); });
    return {};
  }

  void stop() override {
    if (stopping_.exchange(true)) return;
    const std::uint64_t one = 1;
    (void)!::write(wake_, &one, sizeof one);
    if (thread_.joinable()) thread_.join();
  }
  std::uint64_t notifications() const override { return notifications_.load(); }
  std::uint64_t reloads() const override { return reloads_.load(); }

 private:
  // LISTEN on a fresh connection (blocking connect, bounded by the timeout).
  Result<void> connect() {
    if (conn_ != nullptr) {
      PQfinish(conn_);
      conn_ = nullptr;
    }
    const std::string seconds =
        std::to_string(std::max<long long>(2, (options_.connect_timeout.count() + 999) / 1000));
    const char* keys[] = {"connect_timeout", "keepalives", "keepalives_idle",
                          "keepalives_interval", "keepalives_count", "application_name",
                          "dbname", nullptr};
    const char* values[] = {seconds.c_str(), "1", "10", "5", "3", "sipsmith-listen",
                            options_.url.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, 1);
    if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
      if (conn != nullptr) PQfinish(conn);
      return make_error(Errc::network, 0, "cannot connect to PostgreSQL to listen for changes");
    }
    const std::string sql =
        std::string("LISTEN ") + kProvisioningChannel + "; LISTEN " + kKvChannel;
    PGresult* res = PQexec(conn, sql.c_str());
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
      PQfinish(conn);
      return make_error(Errc::storage, 0, "LISTEN failed");
    }
    PQsetnonblocking(conn, 1);
    conn_ = conn;
    return {};
  }

  // Waits for the socket or the stop signal; false when stopping.
  bool wait(int timeout_ms, bool* readable) {
    pollfd fds[2]{};
    fds[0].fd = wake_;
    fds[0].events = POLLIN;
    fds[1].fd = conn_ != nullptr ? PQsocket(conn_) : -1;
    fds[1].events = POLLIN;
    const int n = ::poll(fds, conn_ != nullptr ? 2 : 1, timeout_ms);
    *readable = n > 0 && conn_ != nullptr && (fds[1].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
    return !stopping_.load();
  }

  // Drains notifications into `pending_`; false when the connection broke.
  bool drain(bool* seen) {
    if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) == CONNECTION_BAD) return false;
    while (PGnotify* n = PQnotifies(conn_)) {
      *seen = true;
      ++notifications_;
      if (std::string_view(n->relname) == kKvChannel) {
        const Id owner = std::strtoll(n->extra, nullptr, 10);
        if (owner > 0) pending_.kv_owners.push_back(owner);
      } else {
        pending_.provisioning = true;
      }
      PQfreemem(n);
    }
    return true;
  }

  void reload() {
    ++reloads_;
    StoreChanges changes = std::move(pending_);
    pending_ = StoreChanges{};
    std::sort(changes.kv_owners.begin(), changes.kv_owners.end());
    changes.kv_owners.erase(std::unique(changes.kv_owners.begin(), changes.kv_owners.end()),
                            changes.kv_owners.end());
    try {
      on_change_(*store_, changes);
    } catch (const std::exception& e) {
      log(LogLevel::Warn, "store", std::string("change reload failed: ") + e.what());
    }
  }

  void run() {
    bool missed = false;
    while (!stopping_.load()) {
      if (conn_ == nullptr) {
        bool readable = false;
        if (!wait(static_cast<int>(options_.retry_interval.count()), &readable)) return;
        if (!connect()) continue;
        log(LogLevel::Info, "store", "listening for provisioning changes again");
        missed = true;
      }
      if (missed) {
        missed = false;
        pending_.everything = true;
        pending_.provisioning = true;
        reload();
        continue;
      }
      bool readable = false;
      if (!wait(1000, &readable)) return;
      if (!readable) continue;
      bool seen = false;
      if (!drain(&seen)) {
        log(LogLevel::Warn, "store", "lost the PostgreSQL connection listening for changes");
        PQfinish(conn_);
        conn_ = nullptr;
        continue;
      }
      if (!seen) continue;
      // A burst (an import, a replace) becomes one reload.
      const auto until = Clock::now() + debounce_;
      while (Clock::now() < until) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
        if (!wait(static_cast<int>(left < 1 ? 1 : left), &readable)) return;
        if (readable && !drain(&seen)) break;
      }
      reload();
    }
  }

  PgOptions options_;
  OnChange on_change_;
  std::chrono::milliseconds debounce_;
  PGconn* conn_ = nullptr;
  std::unique_ptr<Store> store_;
  int wake_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> notifications_{0};
  std::atomic<std::uint64_t> reloads_{0};
  StoreChanges pending_;  // listener thread only
};

}  // namespace

Result<std::unique_ptr<ChangeListener>> ChangeListener::start(PgOptions options,
                                                              OnChange on_change,
                                                              std::chrono::milliseconds debounce) {
  auto l = std::make_unique<ListenerImpl>(std::move(options), std::move(on_change), debounce);
  if (auto r = l->launch(); !r) return r.error();
  return std::unique_ptr<ChangeListener>(std::move(l));
}

}  // namespace sip::store
