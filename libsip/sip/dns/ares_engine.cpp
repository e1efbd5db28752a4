#include "sip/dns/ares_engine.hpp"

#include <ares.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include "sip/base/ci.hpp"
#include "sip/base/log.hpp"
#include "sip/dns/cache.hpp"
#include "sip/dns/lookup.hpp"
#include "sip/dns/wire.hpp"

namespace sip::dns::detail {
namespace {

constexpr int kClassIn = 1;
constexpr int kMaxRecords = 64;  // records kept per answer

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
      throw std::runtime_error("dns: ares_library_init failed");
    }
  });
}

std::string strip_dot(const char* name) {
  std::string s = name ? name : "";
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string text(const unsigned char* s) {
  return s ? reinterpret_cast<const char*>(s) : "";
}

AnswerStatus status_of(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS: return AnswerStatus::Ok;
    case ARES_ENODATA: return AnswerStatus::NoData;
    case ARES_ENOTFOUND: return AnswerStatus::NxDomain;
    case ARES_ETIMEOUT: return AnswerStatus::Timeout;
    case ARES_EDESTRUCTION:
    case ARES_ECANCELLED: return AnswerStatus::Cancelled;
    default: return AnswerStatus::ServerFailure;
  }
}

// Decodes the records of a successful reply into `a`; returns a c-ares status.
int parse_records(RecordType type, const unsigned char* buf, int len, Answer& a) {
  switch (type) {
    case RecordType::A: {
      ares_addrttl ttls[kMaxRecords];
      int n = kMaxRecords;
      const int rc = ares_parse_a_reply(buf, len, nullptr, ttls, &n);
      for (int i = 0; rc == ARES_SUCCESS && i < n; ++i) {
        transport::SocketAddress s;
        std::memcpy(s.ip.data(), &ttls[i].ipaddr, 4);
        a.addresses.push_back(s);
      }
      return rc;
    }
    case RecordType::Aaaa: {
      ares_addr6ttl ttls[kMaxRecords];
      int n = kMaxRecords;
      const int rc = ares_parse_aaaa_reply(buf, len, nullptr, ttls, &n);
      for (int i = 0; rc == ARES_SUCCESS && i < n; ++i) {
        transport::SocketAddress s;
        s.v6 = true;
        std::memcpy(s.ip.data(), &ttls[i].ip6addr, 16);
        a.addresses.push_back(s);
      }
      return rc;
    }
    case RecordType::Srv: {
      ares_srv_reply* head = nullptr;
      const int rc = ares_parse_srv_reply(buf, len, &head);
      for (const ares_srv_reply* r = head; rc == ARES_SUCCESS && r; r = r->next) {
        std::string target = strip_dot(r->host);
        if (target.empty() || a.srv.size() >= kMaxRecords) continue;  // "." = no service
        a.srv.push_back(SrvRecord{r->priority, r->weight, r->port, std::move(target)});
      }
      if (head) ares_free_data(head);
      return rc;
    }
    case RecordType::Naptr: {
      ares_naptr_reply* head = nullptr;
      const int rc = ares_parse_naptr_reply(buf, len, &head);
      for (const ares_naptr_reply* r = head; rc == ARES_SUCCESS && r; r = r->next) {
        if (a.naptr.size() >= kMaxRecords) break;
        a.naptr.push_back(NaptrRecord{r->order, r->preference, text(r->flags), text(r->service),
                                      text(r->regexp), strip_dot(r->replacement)});
      }
      if (head) ares_free_data(head);
      return rc;
    }
  }
  return ARES_EBADRESP;
}

}  // namespace

struct AresEngine::Impl final : QuerySource {
  // One query on the wire, handed to c-ares as its callback argument.
  struct Pending {
    Impl* impl;
    RecordType type;
    std::string key;
  };

  Impl(const ResolverOptions& o, Done d)
      : clock_(o.clock ? o.clock : &steady_),
        cache_(*clock_, o.cache),
        hook_(o.on_query),
        done_(std::move(d)) {
    config_.transports = o.transports;
    config_.family = o.family;
    config_.max_targets = o.max_targets;
    config_.random = o.random ? o.random : make_random();
  }

  // --- QuerySource (worker thread) ---
  void query(RecordType type, const std::string& name, AnswerFn fn) override {
    if (stopping_) return;
    if (AnswerPtr hit = cache_.find(type, name)) {
      cache_hits_.fetch_add(1, std::memory_order_relaxed);
      ready_.emplace_back([fn = std::move(fn), hit] { fn(hit); });
      return;
    }
    std::string key = std::to_string(static_cast<unsigned>(type)) + ' ' + to_lower(name);
    auto [it, first] = inflight_.try_emplace(key);
    it->second.push_back(std::move(fn));
    if (!first) return;  // the same question is already on the wire
    queries_sent_.fetch_add(1, std::memory_order_relaxed);
    if (hook_) hook_(type, name);
    ares_query(channel_, name.c_str(), kClassIn, static_cast<int>(type), &Impl::on_reply,
               new Pending{this, type, std::move(key)});
  }

  static void on_reply(void* arg, int status, int /*timeouts*/, unsigned char* buf, int len) {
    std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
    Impl& self = *p->impl;
    if (self.stopping_) return;  // ares_destroy() at shutdown: walks are abandoned
    auto a = std::make_shared<Answer>();
    if (status == ARES_SUCCESS) status = parse_records(p->type, buf, len, *a);
    a->status = status_of(status);
    if (a->status == AnswerStatus::Ok && a->addresses.empty() && a->naptr.empty() &&
        a->srv.empty() && p->type != RecordType::Srv) {
      a->status = AnswerStatus::NoData;  // e.g. a CNAME without the wanted type
    }
    WireTtls ttls;
    if (buf && len > 0) {
      ttls = scan_ttls(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(len)));
    }
    a->ttl = self.cache_.effective_ttl(
        a->status, a->status == AnswerStatus::Ok ? ttls.answer_min : ttls.negative);
    self.cache_.insert(p->type, p->key.substr(p->key.find(' ') + 1), a);
    auto node = self.inflight_.extract(p->key);
    if (node.empty()) return;
    AnswerPtr shared = std::move(a);
    for (auto& fn : node.mapped()) {
      self.ready_.emplace_back([fn = std::move(fn), shared] { fn(shared); });
    }
  }

  static void on_socket(void* data, ares_socket_t fd, int readable, int writable) {
    auto& socks = static_cast<Impl*>(data)->sockets_;
    if (!readable && !writable) {
      socks.erase(fd);
      return;
    }
    socks[fd] = static_cast<short>((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
  }

  // --- worker loop ---
  void run() {
    std::vector<pollfd> fds;
    for (;;) {
      std::deque<std::pair<std::uint64_t, Query>> batch;
      {
        std::lock_guard lock(mu_);
        if (stop_) break;
        batch.swap(queue_);
      }
      for (auto& [id, q] : batch) {
        run_lookup(*this, config_, std::move(q), [this, id = id](Result<std::vector<Target>> r) {
          if (!stopping_) done_(id, std::move(r));
        });
      }
      while (!ready_.empty()) {
        auto fn = std::move(ready_.front());
        ready_.pop_front();
        fn();
      }
      fds.clear();
      fds.push_back(pollfd{wake_fd_, POLLIN, 0});
      for (const auto& [fd, events] : sockets_) fds.push_back(pollfd{fd, events, 0});
      timeval tv{};
      const timeval* next = ares_timeout(channel_, nullptr, &tv);
      const int wait_ms =
          next ? static_cast<int>(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000) : -1;
      const int n = ::poll(fds.data(), fds.size(), wait_ms);
      if (n < 0 && errno != EINTR) log(LogLevel::Error, "dns", "poll failed");
      if (n > 0 && (fds[0].revents & POLLIN)) {
        std::uint64_t count = 0;
        [[maybe_unused]] const auto r = ::read(wake_fd_, &count, sizeof count);
      }
      for (std::size_t i = 1; n > 0 && i < fds.size(); ++i) {
        const short ev = fds[i].revents;
        if (ev == 0) continue;
        const bool in = (ev & (POLLIN | POLLERR | POLLHUP)) != 0;
        const bool out = (ev & POLLOUT) != 0;
        ares_process_fd(channel_, in ? fds[i].fd : ARES_SOCKET_BAD,
                        out ? fds[i].fd : ARES_SOCKET_BAD);
      }
      ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // expire timeouts
    }
    stopping_ = true;
    ready_.clear();
    ares_destroy(channel_);  // runs every callback with ARES_EDESTRUCTION
    channel_ = nullptr;
    inflight_.clear();
  }

  void wake() const noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto r = ::write(wake_fd_, &one, sizeof one);
  }

  SteadyClock steady_;
  const Clock* clock_;
  Cache cache_;
  LookupConfig config_;
  QueryHook hook_;
  Done done_;
  ares_channel channel_ = nullptr;
  int wake_fd_ = -1;
  std::thread thread_;

  std::mutex mu_;  // guards queue_ and stop_
  std::deque<std::pair<std::uint64_t, Query>> queue_;
  bool stop_ = false;

  // worker-only state
  bool stopping_ = false;
  std::deque<std::function<void()>> ready_;  // continuations to run outside c-ares callbacks
  std::unordered_map<std::string, std::vector<AnswerFn>> inflight_;
  std::unordered_map<int, short> sockets_;  // fd -> poll events, from c-ares

  std::atomic<std::uint64_t> queries_sent_{0};
  std::atomic<std::uint64_t> cache_hits_{0};
};

AresEngine::AresEngine(const ResolverOptions& options, Done done) {
  if (options.tries < 1) throw std::invalid_argument("dns: tries must be at least 1");
  if (options.transports.empty()) throw std::invalid_argument("dns: no transport enabled");
  std::string servers;
  for (const auto& ns : options.nameservers) {
    const auto address = transport::SocketAddress::parse(ns, 53);
    if (!address || address->port == 0) {
      throw std::invalid_argument("dns: bad nameserver address '" + ns + "'");
    }
    if (!servers.empty()) servers += ',';
    servers += address->to_string();
  }
  init_library_once();
  auto impl = std::make_unique<Impl>(options, std::move(done));

  ares_options ao{};
  ao.timeout = static_cast<int>(std::max<std::int64_t>(1, options.timeout.count()));
  ao.tries = options.tries;
  ao.sock_state_cb = &Impl::on_socket;
  ao.sock_state_cb_data = impl.get();
  const int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
  if (const int rc = ares_init_options(&impl->channel_, &ao, mask); rc != ARES_SUCCESS) {
    throw std::runtime_error(std::string("dns: ares_init_options: ") + ares_strerror(rc));
  }
  if (!servers.empty()) {
    if (const int rc = ares_set_servers_ports_csv(impl->channel_, servers.c_str());
        rc != ARES_SUCCESS) {
      ares_destroy(impl->channel_);
      throw std::runtime_error(std::string("dns: nameservers: ") + ares_strerror(rc));
    }
  }
  impl->wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->wake_fd_ < 0) {
    ares_destroy(impl->channel_);
    throw std::runtime_error(std::string("dns: eventfd: ") + std::strerror(errno));
  }
  impl->thread_ = std::thread([p = impl.get()] { p->run(); });
  impl_ = std::move(impl);
}

AresEngine::~AresEngine() {
  {
    std::lock_guard lock(impl_->mu_);
    impl_->stop_ = true;
  }
  impl_->wake();
  impl_->thread_.join();
  ::close(impl_->wake_fd_);
}

void AresEngine::submit(std::uint64_t id, Query query) {
  {
    std::lock_guard lock(impl_->mu_);
    impl_->queue_.emplace_back(id, std::move(query));
  }
  impl_->wake();
}

std::uint64_t AresEngine::queries_sent() const noexcept {
  return impl_->queries_sent_.load(std::memory_order_relaxed);
}

std::uint64_t AresEngine::cache_hits() const noexcept {
  return impl_->cache_hits_.load(std::memory_order_relaxed);
}

}  // namespace sip::dns::detail
