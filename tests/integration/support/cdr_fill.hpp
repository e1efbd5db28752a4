// Deterministic CDRs written through the store's own repository (as the
// daemon's writer does: upserts in transactions), for cdr-query's tests and
// its export benchmark: record i is always the same, so a test derives its
// expectations from filled_cdr(i) itself. Customers "demo" and "other" own
// them (every fifth record is other's). Thread-safety: test thread only.
#pragma once

#include <cstdint>
#include <string>

#include "sip/store/types.hpp"

namespace sipsmith::itest {

inline constexpr std::int64_t kFillBase = 1'700'000'000'000;  // created of record 0 (ms)

// Record i: created kFillBase + i s; "in"/"out" alternately; accounts
// alice/bob@sipsmith.test (in), carol@sipsmith.test or provider voip1
// (out); status by i % 10: 0-6 200 (talk i % 120 s, ring 2 s), 7 486,
// 8 487, 9 404; owner_id 1 (demo) or 2 (other, i % 5 == 4).
sip::store::Cdr filled_cdr(int i);
// Opens (creating) the store at `path` with both customers and writes
// records [first, first + count) in transactions of `batch`. Throws
// std::runtime_error on a store error.
void fill_cdrs(const std::string& path, int first, int count, int batch = 10000);

}  // namespace sipsmith::itest
