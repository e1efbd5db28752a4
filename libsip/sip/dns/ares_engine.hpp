// Internal to the dns module: the worker thread that owns the c-ares channel,
// the record cache and the running RFC 3263 walks. No c-ares type appears
// here. Requests enter through a mutex-protected queue and an eventfd
// wake-up; results leave through the `done` function, called on the worker.
// Thread-safety: submit() and the stat getters from any thread; the
// destructor from the owning thread (it stops and joins the worker, and
// abandons walks in flight without calling `done`).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "sip/base/result.hpp"
#include "sip/dns/resolver.hpp"
#include "sip/dns/rfc3263.hpp"
#include "sip/dns/target.hpp"

namespace sip::dns::detail {

class AresEngine {
 public:
  using Done = std::function<void(std::uint64_t id, Result<std::vector<Target>>)>;

  // Validates `options`, sets up c-ares and starts the worker; throws like
  // the Resolver constructor.
  AresEngine(const ResolverOptions& options, Done done);
  ~AresEngine();
  AresEngine(const AresEngine&) = delete;
  AresEngine& operator=(const AresEngine&) = delete;

  // Queues a walk for `query`; `done(id, ...)` follows on the worker.
  void submit(std::uint64_t id, Query query);

  std::uint64_t queries_sent() const noexcept;
  std::uint64_t cache_hits() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sip::dns::detail
