#include "sip/http/web_fetcher.hpp"

#include <httplib.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "sip/base/log.hpp"

namespace sip::http {
namespace {

constexpr const char* kLog = "webget";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

// "http://Host:80/p?q" -> {"http://host:80", "/p?q"}; nullopt when not
// http(s) or without a host.
std::optional<WebTarget> split(const std::string& url) {
  const auto colon = url.find("://");
  if (colon == std::string::npos) return std::nullopt;
  const std::string scheme = lower(url.substr(0, colon));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  const auto host_start = colon + 3;
  const auto slash = url.find_first_of("/?#", host_start);
  std::string host =
      url.substr(host_start, slash == std::string::npos ? std::string::npos : slash - host_start);
  if (host.empty() || host.find('@') != std::string::npos) return std::nullopt;  // no userinfo
  WebTarget t;
  t.scheme_host_port = scheme + "://" + lower(host);
  t.path = slash == std::string::npos ? "/" : url.substr(slash);
  if (t.path.front() != '/') t.path.insert(0, "/");
  if (const auto hash = t.path.find('#'); hash != std::string::npos) t.path.resize(hash);
  return t;
}

}  // namespace

std::optional<WebTarget> allowed_target(const std::vector<std::string>& allow,
                                        const std::string& url, std::string* why) {
  auto target = split(url);
  if (!target) {
    *why = "not an http:// or https:// URL";
    return std::nullopt;
  }
  const std::string path = lower(target->path);
  if (path.find("%2e") != std::string::npos || path.find("/../") != std::string::npos ||
      path.find("/./") != std::string::npos ||
      (path.size() >= 3 && path.compare(path.size() - 3, 3, "/..") == 0)) {
    *why = "dot segments in the URL path are not allowed";
    return std::nullopt;
  }
  // Both sides normalised with the '/' after the host: a prefix never
  // matches a longer host name ("http://a.example/" vs "http://a.example.evil/").
  const std::string normal = target->scheme_host_port + target->path;
  for (const auto& prefix : allow) {
    auto p = split(prefix);
    if (p && normal.rfind(p->scheme_host_port + p->path, 0) == 0) return target;
  }
  *why = "URL not allowed by b2bua.webget.allow";
  return std::nullopt;
}

struct WebFetcher::Impl {
  struct Job {
    WebTarget target;
    int timeout_seconds = 5;
    std::size_t max_bytes = 8192;
    std::function<void(dialplan::HttpResult)> done;
  };

  Impl(WebGetConfig c, Post p) : config(std::move(c)), post(std::move(p)) {
    for (std::size_t i = 0; i < std::max<std::size_t>(1, config.threads); ++i)
      workers.emplace_back([this] { work(); });
  }
  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    for (auto& t : workers) t.join();
  }

  void work() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [this] { return stopping || !queue.empty(); });
        if (stopping) return;
        job = std::move(queue.front());
        queue.pop_front();
      }
      dialplan::HttpResult r = fetch(job);
      post([done = std::move(job.done), r = std::move(r)]() mutable { done(std::move(r)); });
    }
  }

  static dialplan::HttpResult fetch(const Job& job) {
    dialplan::HttpResult r;
    httplib::Client client(job.target.scheme_host_port);
    if (!client.is_valid()) {
      r.error = "cannot make a client for " + job.target.scheme_host_port;
      return r;
    }
    client.set_follow_location(false);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    client.enable_server_certificate_verification(true);  // https: the system's CAs
#endif
    client.set_connection_timeout(job.timeout_seconds, 0);
    client.set_read_timeout(job.timeout_seconds, 0);
    client.set_write_timeout(job.timeout_seconds, 0);
    std::string body;
    bool cut = false;
    auto res = client.Get(job.target.path, [&](const char* data, std::size_t n) {
      const std::size_t room = job.max_bytes > body.size() ? job.max_bytes - body.size() : 0;
      body.append(data, std::min(room, n));
      if (n > room) {
        cut = true;
        return false;  // enough: stop reading
      }
      return true;
    });
    if (!res && !cut) {
      r.error = "request failed: " + httplib::to_string(res.error());
      return r;
    }
    r.status = res ? res->status : 200;
    if (res && (res->status < 200 || res->status >= 300)) {
      r.error = "HTTP " + std::to_string(res->status) +
                (res->status < 400 ? " (redirects are not followed)" : "");
      return r;
    }
    r.ok = true;
    r.body = std::move(body);
    return r;
  }

  WebGetConfig config;
  Post post;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Job> queue;
  bool stopping = false;
  std::vector<std::thread> workers;
};

WebFetcher::WebFetcher(WebGetConfig config, Post post)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(post))) {}
WebFetcher::~WebFetcher() = default;

void WebFetcher::get(store::Id /*owner*/, const dialplan::HttpGet& request,
                     std::function<void(dialplan::HttpResult)> done) {
  auto refuse = [&](std::string why) {
    log(LogLevel::Info, kLog, "refused " + request.url + ": " + why);
    dialplan::HttpResult r;
    r.error = std::move(why);
    impl_->post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
  };
  std::string why;
  auto target = allowed_target(impl_->config.allow, request.url, &why);
  if (!target) return refuse(why);
  Impl::Job job;
  job.target = std::move(*target);
  job.timeout_seconds = std::clamp(request.timeout_seconds, 1, impl_->config.max_timeout_seconds);
  job.max_bytes = std::min(request.max_bytes, impl_->config.max_bytes);
  job.done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->queue.size() < impl_->config.max_queue) {
      impl_->queue.push_back(std::move(job));
      impl_->wake.notify_one();
      return;
    }
  }
  done = std::move(job.done);
  refuse("too many web requests waiting");
}

}  // namespace sip::http
