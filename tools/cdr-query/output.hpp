// cdr-query's record output: a table for people, CSV (RFC 4180, a header
// line), NDJSON ({"event":"cdr",...} per line) or one JSON array. Every
// format has the same fields under the store's names; times are UTC
// ISO-8601 with milliseconds (empty in CSV and null in JSON when the event
// did not happen). Written straight to a FILE* with its own buffer: no
// per-record allocation beyond one reused line.
// Thread-safety: one writer per stream.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "options.hpp"
#include "sip/store/types.hpp"

namespace sipsmith::cdrq {

class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  virtual void begin() {}
  virtual void record(const sip::store::Cdr& c, const std::string& owner) = 0;
  virtual void end() {}
};

std::unique_ptr<RecordWriter> make_writer(Format format, std::FILE* out);

// JSON string body of `s` (no quotes); invalid UTF-8 becomes U+FFFD.
void append_json_escaped(std::string& out, std::string_view s);
// A CSV field: quoted when it holds a comma, quote, CR or LF.
void append_csv_field(std::string& out, std::string_view s);

}  // namespace sipsmith::cdrq
