// cdr-query's command line: the flags (one table for --help, the man page
// and the completions to follow), and their translation into the store's
// CdrQuery and the run settings. Thread-safety: start-up only (main).
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "sip/store/types.hpp"

namespace sipsmith::cdrq {

// A bad flag value: exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Args {
  std::string store;   // --store FILE
  std::string socket;  // --socket PATH
  std::string since, until;
  std::string owner, account, direction, status, call_id, bridge_id;
  int min_duration = 0;  // talk seconds
  bool ended = false;
  std::size_t limit = 0;
  bool newest_first = false;
  std::string format;  // table|csv|ndjson|json; "" = table on a terminal, else ndjson
  bool json = false;   // --json: ndjson
  bool stats = false;
  std::string cursor;
  bool follow = false;
  double interval_s = 1.0;
  bool progress = false, no_progress = false;
  double timeout_s = 10.0;  // per control request, and the store's busy timeout
  int page = 1000;          // rows per control request
  int verbosity = 0;
};

enum class Format : std::uint8_t { Table, Csv, Ndjson, Json };

// Everything a run needs, checked.
struct Settings {
  bool from_store = true;
  std::string path;            // store file or control socket
  std::string owner;           // customer username, "" = any
  sip::store::CdrQuery query;  // owner_id left 0 (the source resolves `owner`)
  Format format = Format::Ndjson;
  bool stats = false;
  std::string cursor;
  bool follow = false;
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{10000};
  int page = 1000;
  bool progress = false;
  int verbosity = 0;
};

void define_cli(CLI::App& app, Args& args);
// Throws UsageError. `stdout_tty`/`stderr_tty` pick the default format and
// whether the progress bar shows.
Settings settings_from(const Args& args, bool stdout_tty, bool stderr_tty);

}  // namespace sipsmith::cdrq
