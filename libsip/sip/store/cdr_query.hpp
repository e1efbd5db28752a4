// The one translation of a CdrQuery into SQL: the WHERE, ORDER BY and LIMIT
// that follow "SELECT <columns> FROM cdrs", with every value as a numbered
// parameter. The control socket's cdr.list and the tools reading the file
// both end here, so a filter means the same wherever it is asked.
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "sip/store/types.hpp"

namespace sip::store {

struct CdrSql {
  std::string tail;  // " WHERE ... ORDER BY ... [LIMIT ?n]"
  std::vector<std::variant<std::int64_t, std::string>> params;  // ?1, ?2, ...
};

// `postgres`: the PostgreSQL spelling where the dialects differ (an OFFSET
// without a LIMIT).
CdrSql cdr_query_sql(const CdrQuery& query, bool postgres = false);

}  // namespace sip::store
