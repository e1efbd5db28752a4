// The asynchronous RFC 3263 walk for one Query: NAPTR -> SRV -> A/AAAA, or
// the shorter paths an explicit transport or port allows, ending in the
// ordered target list (section 4.1-4.2). Queries go through a QuerySource,
// the seam between this logic and c-ares (and fakes in tests).
// Thread-safety: a walk runs on the thread its QuerySource answers on (the
// resolver's worker thread); it holds no locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sip/base/result.hpp"
#include "sip/dns/records.hpp"
#include "sip/dns/rfc3263.hpp"
#include "sip/dns/srv_order.hpp"
#include "sip/dns/target.hpp"
#include "sip/transport/address.hpp"

namespace sip::dns {

class QuerySource {
 public:
  using AnswerFn = std::function<void(AnswerPtr)>;
  virtual ~QuerySource() = default;
  // Answers (type, name) from a cache or the network and calls `done`
  // exactly once with a non-null answer, possibly before query() returns;
  // or never, if the source shuts down (it then drops `done`).
  virtual void query(RecordType type, const std::string& name, AnswerFn done) = 0;
};

// Which address families a name expands to, and in which order.
enum class Family : std::uint8_t { Ipv4Only, Ipv6Only, Ipv4First, Ipv6First };

struct LookupConfig {
  std::vector<transport::Kind> transports{transport::Kind::Udp, transport::Kind::Tcp,
                                          transport::Kind::Tls};
  Family family = Family::Ipv4First;
  RandomFn random;               // SRV weighting; empty: always the first candidate
  std::size_t max_targets = 32;  // the list is cut after this many
};

using TargetsFn = std::function<void(Result<std::vector<Target>>)>;

// Resolves `q` and calls `done` once with the targets in the order to try
// them, or a make_failure() error. Order: NAPTR order/preference (sips: only
// SIPS+D2T) and, without NAPTR, _sips._tcp, _sip._tcp, _sip._udp; SRV by
// priority then weight; each SRV target's addresses per `family`; then the
// A/AAAA fallback on the default port. A timeout or server failure ends the
// walk with that failure unless other answers of the same step yield targets.
// `source` and `config` must outlive the walk.
void run_lookup(QuerySource& source, const LookupConfig& config, Query q, TargetsFn done);

}  // namespace sip::dns
