// http_load: a small closed-loop HTTP load generator for scripts/bench-http.
// THREADS clients (one keep-alive connection each) send GET PATH to
// HOST:PORT back to back for SECONDS; prints one JSON line: requests,
// errors (no answer or not 200), requests/s and latency p50/p90/p99 (ms).
// Usage: http_load HOST PORT PATH SECONDS THREADS [NAME:VALUE header]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6 || argc > 7) {
    std::fprintf(stderr, "usage: http_load HOST PORT PATH SECONDS THREADS [NAME:VALUE]\n");
    return 2;
  }
  const std::string host = argv[1], path = argv[3];
  const int port = std::atoi(argv[2]);
  const double seconds = std::atof(argv[4]);
  const int threads = std::atoi(argv[5]);
  if (port <= 0 || seconds <= 0 || threads <= 0) {
    std::fprintf(stderr, "http_load: bad numbers\n");
    return 2;
  }
  httplib::Headers headers;
  if (argc == 7) {
    const std::string h = argv[6];
    const std::size_t colon = h.find(':');
    if (colon == std::string::npos) {
      std::fprintf(stderr, "http_load: header is NAME:VALUE\n");
      return 2;
    }
    headers.emplace(h.substr(0, colon), h.substr(colon + 1));
  }
  std::atomic<long> errors{0};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(threads));
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      httplib::Client cl(host, port);
      cl.set_keep_alive(true);
      cl.set_tcp_nodelay(true);
      cl.set_read_timeout(30);
      auto& mine = lat[static_cast<std::size_t>(t)];
      while (Clock::now() < end) {
        const auto t0 = Clock::now();
        auto r = cl.Get(path, headers);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (!r || r->status != 200) ++errors;
        mine.push_back(ms);
      }
    });
  }
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  const std::size_t n = all.size();
  std::printf(
      "{\"requests\":%zu,\"errors\":%ld,\"seconds\":%.2f,\"rps\":%.0f,\"p50_ms\":%.2f,"
      "\"p90_ms\":%.2f,\"p99_ms\":%.2f}\n",
      n, errors.load(), elapsed, static_cast<double>(n) / elapsed, percentile(all, 0.5),
      percentile(all, 0.9), percentile(all, 0.99));
  return errors.load() == 0 ? 0 : 1;
}
