#include "sip/dns/srv_order.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <span>

#include "sip/base/random.hpp"

namespace sip::dns {

RandomFn make_random(std::uint32_t seed) {
  if (seed == 0) {
    std::array<std::uint8_t, 4> b{};
    random_bytes(std::span<std::uint8_t>(b));
    seed = (static_cast<std::uint32_t>(b[0]) << 24) | (static_cast<std::uint32_t>(b[1]) << 16) |
           (static_cast<std::uint32_t>(b[2]) << 8) | b[3];
  }
  auto engine = std::make_shared<std::mt19937>(seed);
  return [engine](std::uint32_t max_inclusive) {
    std::uniform_int_distribution<std::uint32_t> dist(0, max_inclusive);
    return dist(*engine);
  };
}

std::vector<SrvRecord> order_srv(std::vector<SrvRecord> records, const RandomFn& random) {
  std::stable_sort(records.begin(), records.end(),
                   [](const SrvRecord& a, const SrvRecord& b) { return a.priority < b.priority; });
  std::vector<SrvRecord> out;
  out.reserve(records.size());
  auto group_begin = records.begin();
  while (group_begin != records.end()) {
    auto group_end = std::find_if(group_begin, records.end(), [&](const SrvRecord& r) {
      return r.priority != group_begin->priority;
    });
    // Weight-0 records first, then the others, each keeping DNS order.
    std::vector<SrvRecord> group(group_begin, group_end);
    std::stable_partition(group.begin(), group.end(),
                          [](const SrvRecord& r) { return r.weight == 0; });
    while (!group.empty()) {
      std::uint64_t sum = 0;
      for (const auto& r : group) sum += r.weight;
      // A message holds < 4,000 SRV records of weight <= 65535: sum < 2^32.
      const std::uint64_t bound = std::min<std::uint64_t>(sum, UINT32_MAX);
      const std::uint64_t pick = random ? random(static_cast<std::uint32_t>(bound)) : 0;
      std::uint64_t running = 0;
      std::size_t chosen = group.size() - 1;
      for (std::size_t i = 0; i < group.size(); ++i) {
        running += group[i].weight;
        if (running >= pick) {
          chosen = i;
          break;
        }
      }
      out.push_back(std::move(group[chosen]));
      group.erase(group.begin() + static_cast<std::ptrdiff_t>(chosen));
    }
    group_begin = group_end;
  }
  return out;
}

}  // namespace sip::dns
