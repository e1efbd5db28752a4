// RFC 2782 SRV target selection order: ascending priority; within one
// priority a weighted random permutation (weight-0 records first in the
// running sum, so they are picked only rarely when others carry weight).
// Thread-safety: pure; the random source is called on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "sip/dns/records.hpp"

namespace sip::dns {

// Returns a uniformly distributed integer in [0, max_inclusive].
using RandomFn = std::function<std::uint32_t(std::uint32_t max_inclusive)>;

// A RandomFn over a std::mt19937 seeded with `seed` (deterministic tests)
// or, when `seed` is 0, from the kernel CSPRNG. Not thread-safe.
RandomFn make_random(std::uint32_t seed = 0);

// The order in which a client tries `records` (RFC 2782, "Usage rules").
std::vector<SrvRecord> order_srv(std::vector<SrvRecord> records, const RandomFn& random);

}  // namespace sip::dns
