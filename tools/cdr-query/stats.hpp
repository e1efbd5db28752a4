// --stats: call counts, answer-seizure ratio (ASR: answered / legs with a
// final status, in %) and average call duration (ACD: mean talk seconds of
// the answered legs), over every matching record ("total"), per account
// (records whose account is USER@DOMAIN: the caller's leg of its calls and
// the legs that rang it) and per provider (out legs placed through a
// provider, whose account field is the provider's name).
// Thread-safety: one accumulator per thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "options.hpp"
#include "sip/store/types.hpp"

namespace sipsmith::cdrq {

struct StatsCell {
  std::uint64_t legs = 0;      // every matching record
  std::uint64_t seizures = 0;  // with a final status
  std::uint64_t answered = 0;  // 2xx
  std::int64_t talk_s = 0;     // summed over the answered
  double asr() const { return seizures == 0 ? 0.0 : 100.0 * double(answered) / double(seizures); }
  double acd() const { return answered == 0 ? 0.0 : double(talk_s) / double(answered); }
};

class Stats {
 public:
  void add(const sip::store::Cdr& c);
  // Rows in order: total, then accounts, then providers, each by name.
  void print(Format format, std::FILE* out) const;
  const StatsCell& total() const { return total_; }

 private:
  StatsCell total_;
  std::map<std::pair<std::string, std::string>, StatsCell> groups_;  // (group, name)
};

}  // namespace sipsmith::cdrq
