// The HTTP API's settings (config section "http"): plain values so the
// engine's config header stays light. An empty `bind` means the API is off.
// Thread-safety: a value type.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace sip::http {

struct Options {
  std::string bind;  // "127.0.0.1:8080" or "[::1]:8080"; "" = off
  // Both set: HTTPS with this certificate chain and private key (PEM files,
  // OpenSSL through cpp-httplib); both empty: plain HTTP.
  std::string tls_cert, tls_key;
  // Origins a browser page may call the API from ("http://app.example:8000",
  // exact match after lower-casing; "*" = any). Empty: no CORS headers.
  std::vector<std::string> cors_origins;
  // A session (login authid) lives this long after login; logout ends it.
  std::chrono::seconds session_lifetime{3600};
  // Login attempts allowed per source address and, separately, per user name
  // within `login_window`; more are answered 429.
  int login_attempts = 10;
  std::chrono::seconds login_window{60};
  std::size_t threads = 4;  // worker threads serving requests
  // How long a request waits for the core thread before a 503.
  std::chrono::milliseconds core_timeout{10000};
};

// "bind" parsed: host and port; false when the text is not host:port.
bool split_bind(const std::string& bind, std::string* host, int* port);

}  // namespace sip::http
