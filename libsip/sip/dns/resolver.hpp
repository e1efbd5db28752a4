// sip::dns::Resolver: RFC 3263 server location (NAPTR, SRV, A/AAAA) over
// c-ares, with a TTL cache and the numeric-host/explicit-port short cuts.
// Lookups run on the resolver's own worker thread; results come back through
// the `post` function the owner provides, which must run the given function
// on the owner's (core) thread and may be called from any thread.
// Thread-safety: construct, call and destroy a Resolver on the core thread;
// callbacks run there too, never inside resolve(). stats() is safe anywhere.
// Destruction joins the worker and DROPS callbacks not yet run: they are
// destroyed uncalled on the destroying thread (never on the worker), and
// completions already posted are discarded when they run.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sip/base/clock.hpp"
#include "sip/base/result.hpp"
#include "sip/dns/cache.hpp"
#include "sip/dns/errors.hpp"
#include "sip/dns/lookup.hpp"
#include "sip/dns/records.hpp"
#include "sip/dns/rfc3263.hpp"
#include "sip/dns/srv_order.hpp"
#include "sip/dns/target.hpp"
#include "sip/transport/address.hpp"
#include "sip/uri/uri.hpp"

namespace sip::dns {

namespace detail {
class AresEngine;
}

// Called on the worker thread for every query sent to a server (not for
// cache hits or coalesced duplicates). For tests and tracing; keep it cheap.
using QueryHook = std::function<void(RecordType type, std::string_view name)>;

struct ResolverOptions {
  // "127.0.0.1:5353", "[::1]:53", "192.0.2.53" (port 53). Empty: the system
  // configuration (/etc/resolv.conf).
  std::vector<std::string> nameservers;
  std::chrono::milliseconds timeout{1500};  // per try, per server
  int tries = 2;                            // rounds over the servers
  CacheLimits cache;                        // entries, max TTL, negative TTL
  Family family = Family::Ipv4First;        // address families and their order
  std::vector<transport::Kind> transports{transport::Kind::Udp, transport::Kind::Tcp,
                                          transport::Kind::Tls};  // the ones we can use
  std::size_t max_targets = 32;                                   // longest target list returned
  std::size_t max_pending = 256;  // lookups in flight; beyond: Failure::Overloaded
  const Clock* clock = nullptr;   // cache time; null: steady clock. Must outlive the
                                  // resolver; a ManualClock may only be advanced while
                                  // no lookup is in flight.
  RandomFn random;                // SRV weights, called on the worker; empty: CSPRNG-seeded
  QueryHook on_query;             // see QueryHook
};

struct ResolverStats {
  std::uint64_t queries_sent = 0;  // queries that went to a server
  std::uint64_t cache_hits = 0;    // queries answered from the cache
};

class Resolver {
 public:
  using Callback = std::function<void(Result<std::vector<Target>>)>;
  using PostFn = std::function<void(std::function<void()>)>;

  // Starts the worker thread. Throws std::invalid_argument for a bad option
  // (nameserver syntax, tries < 1, no transport) and std::runtime_error when
  // c-ares or the wake-up descriptor cannot be set up.
  Resolver(ResolverOptions options, PostFn post);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Resolves a sip/sips URI (RFC 3263 section 4): `cb` later gets the
  // targets in the order to try them (walk them with TargetCursor), or an
  // error whose failure_of() tells why. Numeric hosts need no query.
  void resolve(const uri::UriView& target, Callback cb);
  // Same, for a Query built with make_query().
  void resolve(Query query, Callback cb);
  // A host with a known transport: `port` != 0 resolves A/AAAA only; port 0
  // asks the transport's SRV name first, then A/AAAA on the default port.
  void resolve_host(std::string_view host, std::uint16_t port, transport::Kind kind, Callback cb);

  // Callbacks not yet delivered (core thread).
  std::size_t pending() const noexcept;
  ResolverStats stats() const noexcept;

 private:
  struct Core;

  void deliver_later(std::uint64_t id, Result<std::vector<Target>> r);

  PostFn post_;
  std::size_t max_pending_;
  std::shared_ptr<Core> core_;
  std::unique_ptr<detail::AresEngine> engine_;
};

}  // namespace sip::dns
