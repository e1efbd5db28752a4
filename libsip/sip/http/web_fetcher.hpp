// WebFetcher: sys.WebGet for sipproxyd's dial plans (docs/webget.md). Off
// unless the operator lists allowed URL prefixes; a URL is fetched only when
// it starts with one of them (scheme and host compared case-insensitively,
// the rest as written), by HTTP(S) GET on a small pool of worker threads
// (never the core thread), with a connect/read timeout, a body cap, and no
// redirects followed (a 3xx is an error). Results are handed to `post` (the
// core loop's post) and so run on the core thread.
// Thread-safety: get() from one thread (the core); the destructor stops the
// workers (requests still queued get no answer).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sip/b2bua/call_manager.hpp"

namespace sip::http {

struct WebGetConfig {
  std::vector<std::string> allow;  // URL prefixes, e.g. "http://10.0.0.5:8080/lookup/"
  std::size_t threads = 2;
  std::size_t max_queue = 64;     // requests waiting; more: refused at once
  int max_timeout_seconds = 10;   // a script's own timeout is capped to this
  std::size_t max_bytes = 65536;  // a script's own cap is capped to this
};

// The URL `url` split for a request, when it is allowed by `allow`; nullopt
// with `*why` set otherwise.
struct WebTarget {
  std::string scheme_host_port;  // "http://host:port"
  std::string path;              // "/..." with the query
};
std::optional<WebTarget> allowed_target(const std::vector<std::string>& allow,
                                        const std::string& url, std::string* why);

class WebFetcher final : public b2bua::WebService {
 public:
  using Post = std::function<void(std::function<void()>)>;
  WebFetcher(WebGetConfig config, Post post);
  ~WebFetcher() override;
  WebFetcher(const WebFetcher&) = delete;
  WebFetcher& operator=(const WebFetcher&) = delete;

  void get(store::Id owner, const dialplan::HttpGet& request,
           std::function<void(dialplan::HttpResult)> done) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sip::http
