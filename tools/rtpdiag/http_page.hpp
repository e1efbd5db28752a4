// The --http page: the address to call and the live state of the test
// (GET / as HTML, rendered on the server and refreshed by a small script;
// GET /report.json as JSON). cpp-httplib runs on its own threads and reads
// only the LiveState (locked). No httplib in this header.
// Thread-safety: start/stop from the main thread.
#pragma once

#include <memory>
#include <string>

#include "report.hpp"
#include "sip/transport/address.hpp"

namespace sipsmith::rtpdiag {

class HttpPage {
 public:
  explicit HttpPage(const LiveState& live);
  ~HttpPage();
  HttpPage(const HttpPage&) = delete;
  HttpPage& operator=(const HttpPage&) = delete;

  // Binds and starts serving; false with `why` when it cannot bind.
  bool start(const sip::transport::SocketAddress& at, std::string& why);
  std::string url() const;  // "http://127.0.0.1:8080/"
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The page for one snapshot (LiveState::snapshot()); exposed for tests.
std::string render_page(const cli::Json& state);

}  // namespace sipsmith::rtpdiag
