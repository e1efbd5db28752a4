// Where cdr-query reads records: the store file (read-only SQLite
// connection: WAL reader, busy timeout, never a write) or the daemon's
// cdr.list over its control socket, paged by the query's keyset. Both take
// the same store::CdrQuery, so filtering is written once (store/cdr_query).
// Thread-safety: one thread per source.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/exit_codes.hpp"
#include "sip/store/types.hpp"

namespace sipsmith::cdrq {

struct SourceError {
  cli::ExitCode code = cli::ExitCode::Usage;
  std::string message;
};

// Called with each record and its owner's username; false stops the scan.
using Visit = std::function<bool(const sip::store::Cdr&, const std::string& owner)>;

class CdrSource {
 public:
  virtual ~CdrSource() = default;
  // Visits the records of `q` in its order. `q.owner_id` is ignored: the
  // owner given at open filters.
  virtual std::optional<SourceError> scan(const sip::store::CdrQuery& q, const Visit& visit) = 0;
  // How many records `q` matches, when the source can tell cheaply.
  virtual std::optional<std::int64_t> count(const sip::store::CdrQuery& q) = 0;
};

struct SourceResult {
  std::unique_ptr<CdrSource> source;
  SourceError error;  // when !source
};

// `owner` "" = any customer; an unknown owner fails (exit 1).
SourceResult open_store_source(const std::string& path, const std::string& owner,
                               std::chrono::milliseconds busy_timeout);
// `page`: records per request (1..10000).
SourceResult open_socket_source(const std::string& path, const std::string& owner,
                                std::chrono::milliseconds timeout, int page, int verbosity);

}  // namespace sipsmith::cdrq
