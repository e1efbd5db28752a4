#include "sip/store/pg_db.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "sip/base/log.hpp"

namespace sip::store {
namespace {

using Clock = std::chrono::steady_clock;

// Type OIDs of the parameters we send (pg_type.dat).
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kFloat8Oid = 701;

// "?N" -> "$N" outside quotes; the rest unchanged.
std::string to_dollar(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out += '$';
      continue;
    }
    out += c;
  }
  return out;
}

// PostgreSQL text refuses NUL bytes and, in a UTF-8 database, invalid UTF-8
// that SQLite stores as given (header values from the network): such bytes
// become '?', so the record is stored rather than lost.
bool valid_text(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      n = 1;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

std::string sanitize_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c >= 0x01 && c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      n = 1;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      n = 3;
    }
    bool ok = n > 0 && i + n < s.size();
    for (std::size_t k = 1; ok && k <= n; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok) {
      out.append(s.substr(i, n + 1));
      i += n + 1;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

std::string millis(std::chrono::milliseconds ms) {
  return std::to_string(ms.count() < 1 ? 1 : ms.count());
}

}  // namespace

// ---- PgStmt ----

class PgStmt final : public StmtImpl {
 public:
  PgStmt(PgDb& db, std::string sql) : db_(db), sql_(to_dollar(sql)) {}
  ~PgStmt() override { clear_result(); }
  PgStmt(const PgStmt&) = delete;
  PgStmt& operator=(const PgStmt&) = delete;

  void bind_int(int index, std::int64_t value) override {
    set(index, std::to_string(value), kInt8Oid);
  }
  void bind_double(int index, double value) override {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    set(index, buf, kFloat8Oid);
  }
  void bind_text(int index, std::string_view value) override {
    set(index, valid_text(value) ? std::string(value) : sanitize_text(value), kTextOid);
  }
  void bind_null(int index) override {
    if (!slot(index)) return;
    auto& p = params_[static_cast<std::size_t>(index - 1)];
    p.null = true;
    p.type = 0;
    p.value.clear();
  }

  Result<bool> step(const char* detail, const char* conflict_detail) override {
    if (bad_index_) return make_error(Errc::storage, 0, detail);
    if (result_ == nullptr) {
      auto r = execute(detail, conflict_detail);
      if (!r) return r.error();
      result_ = *r;
      rows_ = PQntuples(result_);
      row_ = -1;
    }
    if (row_ + 1 < rows_) {
      ++row_;
      return true;
    }
    return false;
  }

  std::int64_t column_int(int index) const override {
    if (!has(index)) return 0;
    return std::strtoll(PQgetvalue(result_, row_, index), nullptr, 10);
  }
  double column_double(int index) const override {
    if (!has(index)) return 0;
    return std::strtod(PQgetvalue(result_, row_, index), nullptr);
  }
  std::string column_text(int index) const override {
    if (!has(index)) return {};
    return std::string(PQgetvalue(result_, row_, index),
                       static_cast<std::size_t>(PQgetlength(result_, row_, index)));
  }
  void reset() noexcept override {
    clear_result();
    params_.clear();
    bad_index_ = false;
  }

  const std::string& sql() const noexcept { return sql_; }
  // The server-side name for the current parameter types (empty: prepare).
  std::string* prepared_name(std::uint64_t generation, const std::string& signature) {
    if (generation != generation_) {
      names_.clear();
      generation_ = generation;
    }
    return &names_[signature];
  }

 private:
  // A slot never bound (a statement that starts at ?2) is an int8 NULL: the
  // server refuses a parameter it cannot type; an explicit bind_null is
  // typed by its use (type 0).
  struct Param {
    std::string value;
    Oid type = kInt8Oid;
    bool null = true;
  };

  bool slot(int index) {
    if (index < 1 || index > 1000) {
      bad_index_ = true;
      return false;
    }
    if (params_.size() < static_cast<std::size_t>(index))
      params_.resize(static_cast<std::size_t>(index));
    return true;
  }
  void set(int index, std::string value, Oid type) {
    if (!slot(index)) return;
    auto& p = params_[static_cast<std::size_t>(index - 1)];
    p.value = std::move(value);
    p.type = type;
    p.null = false;
  }
  bool has(int index) const {
    return result_ != nullptr && row_ >= 0 && row_ < rows_ && index >= 0 &&
           index < PQnfields(result_) && PQgetisnull(result_, row_, index) == 0;
  }
  void clear_result() noexcept {
    if (result_ != nullptr) PQclear(result_);
    result_ = nullptr;
    rows_ = 0;
    row_ = -1;
  }

  Result<pg_result*> execute(const char* detail, const char* conflict_detail) {
    std::vector<const char*> values(params_.size());
    std::vector<int> lengths(params_.size());
    std::vector<unsigned> types(params_.size());
    for (std::size_t i = 0; i < params_.size(); ++i) {
      values[i] = params_[i].null ? nullptr : params_[i].value.c_str();
      lengths[i] = static_cast<int>(params_[i].value.size());
      types[i] = params_[i].type;
    }
    PgDb::Params p;
    p.values = values.data();
    p.lengths = lengths.data();
    p.types = types.data();
    p.count = static_cast<int>(params_.size());
    return db_.execute_prepared(*this, p, detail, conflict_detail);
  }

  PgDb& db_;
  std::string sql_;
  std::vector<Param> params_;
  bool bad_index_ = false;
  pg_result* result_ = nullptr;
  int rows_ = 0;
  int row_ = -1;
  std::uint64_t generation_ = 0;
  std::unordered_map<std::string, std::string> names_;  // type signature -> name
};

// ---- PgDb ----

Result<std::unique_ptr<PgDb>> PgDb::open(const PgConnectOptions& options) {
  if (options.conninfo.empty()) return make_error(Errc::bad_config, 0, "store url is empty");
  std::unique_ptr<PgDb> db(new PgDb(options));
  if (auto r = db->connect(); !r) return r.error();
  return db;
}

PgDb::~PgDb() {
  cache_.clear();
  text_cache_.clear();
  if (conn_ != nullptr) PQfinish(conn_);
}

bool PgDb::connected() const noexcept {
  return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK;
}

int PgDb::server_version() const noexcept {
  return connected() ? PQserverVersion(conn_) : 0;
}

Result<void> PgDb::connect() {
  if (conn_ != nullptr) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
  next_attempt_ = Clock::now() + options_.retry_interval;
  // Our defaults first: the user's URL or conninfo (expanded from dbname,
  // last) overrides any of them.
  const std::string seconds =
      std::to_string(std::max<long long>(2, (options_.connect_timeout.count() + 999) / 1000));
  const char* keys[] = {"connect_timeout",  "keepalives",       "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "application_name",
                        "dbname",           nullptr};
  const char* values[] = {seconds.c_str(), "1", "10", "5", "3", "sipsmith",
                          options_.conninfo.c_str(), nullptr};
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options_.conninfo.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string msg = parse_error != nullptr ? parse_error : "out of memory";
    if (parse_error != nullptr) PQfreemem(parse_error);
    log(LogLevel::Warn, "store", "invalid PostgreSQL url: " + msg);
    return make_error(Errc::bad_config, 0, "the store url is not a valid PostgreSQL url");
  }
  PQconninfoFree(parsed);
  PGconn* conn = PQconnectStartParams(keys, values, 1);
  if (conn == nullptr) return make_error(Errc::storage, 0, "out of memory connecting to the store");
  const auto deadline = Clock::now() + options_.connect_timeout;
  PostgresPollingStatusType st =
      PQstatus(conn) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
  for (;;) {
    if (st == PGRES_POLLING_OK) break;
    if (st == PGRES_POLLING_FAILED) {
      std::string msg = PQerrorMessage(conn);
      PQfinish(conn);
      if (!msg.empty() && msg.back() == '\n') msg.pop_back();
      log(LogLevel::Warn, "store", "cannot connect to PostgreSQL: " + msg);
      // Authentication and unknown databases are configuration errors; the
      // rest (refused, reset, DNS) may pass.
      if (msg.find("authentication failed") != std::string::npos ||
          (msg.find("database") != std::string::npos &&
           msg.find("does not exist") != std::string::npos) ||
          msg.find("password") != std::string::npos) {
        return make_error(Errc::bad_config, 0, "PostgreSQL refused the store's credentials");
      }
      return make_error(Errc::network, 0, "cannot connect to PostgreSQL");
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      PQfinish(conn);
      log(LogLevel::Warn, "store", "connecting to PostgreSQL timed out");
      return make_error(Errc::timed_out, 0, "connecting to PostgreSQL timed out");
    }
    pollfd pfd{};
    pfd.fd = PQsocket(conn);
    pfd.events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    const int n = ::poll(&pfd, 1, static_cast<int>(left));
    if (n < 0 && errno != EINTR) {
      PQfinish(conn);
      return make_error(Errc::network, 0, "cannot connect to PostgreSQL");
    }
    if (n > 0) st = PQconnectPoll(conn);
  }
  PQsetnonblocking(conn, 1);
  conn_ = conn;
  ++generation_;
  tx_lost_ = false;
  // The server stops a statement at the same deadline as the client.
  const std::string timeout = "SET statement_timeout = " + millis(options_.query_timeout);
  if (auto r = simple(timeout.c_str(), "cannot set the statement timeout"); !r) return r;
  return {};
}

Error PgDb::fail_connection(Errc code, const char* detail) {
  if (conn_ != nullptr) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
  if (depth_ > 0) tx_lost_ = true;
  next_attempt_ = Clock::now();  // reconnect at the next statement outside a transaction
  log(LogLevel::Warn, "store",
      std::string(detail) + (code == Errc::timed_out ? ": PostgreSQL did not answer in time"
                                                     : ": the PostgreSQL connection failed"));
  return make_error(code, 0, detail);
}

Result<void> PgDb::ready(const char* detail) {
  if (tx_lost_) return make_error(Errc::network, 0, detail);
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return {};
  if (depth_ > 0) {
    tx_lost_ = true;
    return make_error(Errc::network, 0, detail);
  }
  if (Clock::now() < next_attempt_) return make_error(Errc::network, 0, detail);
  return connect();
}

Result<void> PgDb::flush(Clock::time_point deadline, const char* detail) {
  for (;;) {
    const int f = PQflush(conn_);
    if (f == 0) return {};
    if (f < 0) return fail_connection(Errc::network, detail);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return fail_connection(Errc::timed_out, detail);
    pollfd pfd{};
    pfd.fd = PQsocket(conn_);
    pfd.events = POLLIN | POLLOUT;
    if (::poll(&pfd, 1, static_cast<int>(left)) > 0 && (pfd.revents & POLLIN) != 0) {
      if (PQconsumeInput(conn_) == 0) return fail_connection(Errc::network, detail);
    }
  }
}

Result<pg_result*> PgDb::wait_result(const char* detail) {
  const auto deadline = Clock::now() + options_.query_timeout;
  if (auto r = flush(deadline, detail); !r) return r.error();
  PGresult* last = nullptr;
  for (;;) {
    while (PQisBusy(conn_) == 0) {
      PGresult* r = PQgetResult(conn_);
      if (r == nullptr) {
        if (last == nullptr) return fail_connection(Errc::network, detail);
        return last;
      }
      // Keep the first error, else the last result.
      if (last != nullptr && PQresultStatus(last) == PGRES_FATAL_ERROR) {
        PQclear(r);
      } else {
        if (last != nullptr) PQclear(last);
        last = r;
      }
      if (PQstatus(conn_) == CONNECTION_BAD) break;
    }
    if (PQstatus(conn_) == CONNECTION_BAD) {
      if (last != nullptr) PQclear(last);
      return fail_connection(Errc::network, detail);
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      if (last != nullptr) PQclear(last);
      return fail_connection(Errc::timed_out, detail);
    }
    pollfd pfd{};
    pfd.fd = PQsocket(conn_);
    pfd.events = POLLIN;
    const int n = ::poll(&pfd, 1, static_cast<int>(left));
    if (n < 0 && errno != EINTR) {
      if (last != nullptr) PQclear(last);
      return fail_connection(Errc::network, detail);
    }
    if (n > 0 && PQconsumeInput(conn_) == 0) {
      if (last != nullptr) PQclear(last);
      return fail_connection(Errc::network, detail);
    }
  }
}

Error PgDb::map_error(pg_result* res, const char* detail, const char* conflict_detail) {
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string code = state != nullptr ? state : "";
  std::string message = res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
  if (!message.empty() && message.back() == '\n') message.pop_back();
  if (code == "23505") {
    return make_error(Errc::conflict, 0,
                      conflict_detail != nullptr ? conflict_detail : "the record already exists");
  }
  if (code == "23503") {
    return make_error(Errc::invalid_argument, 0, "a referenced record does not exist");
  }
  if (code == "23514" || code == "23502") {
    return make_error(Errc::invalid_argument, 0, "a field breaks a schema constraint");
  }
  log(LogLevel::Warn, "store", std::string(detail) + ": " + message);
  if (code == "57014") return make_error(Errc::timed_out, 0, detail);  // statement_timeout
  if (code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0) {
    return fail_connection(Errc::network, detail);
  }
  return make_error(Errc::storage, 0, detail);
}

Result<pg_result*> PgDb::execute_prepared(PgStmt& stmt, const Params& params, const char* detail,
                                          const char* conflict_detail) {
  if (auto r = ready(detail); !r) return r.error();
  std::string signature(static_cast<std::size_t>(params.count), '-');
  for (int i = 0; i < params.count; ++i) {
    signature[static_cast<std::size_t>(i)] =
        params.types[i] == kInt8Oid ? 'i' : params.types[i] == kTextOid ? 't'
                                        : params.types[i] == kFloat8Oid ? 'f'
                                                                        : 'n';
  }
  std::string* name = stmt.prepared_name(generation_, signature);
  if (name->empty()) {
    std::string fresh = "sip" + std::to_string(++next_name_);
    if (PQsendPrepare(conn_, fresh.c_str(), stmt.sql().c_str(), params.count, params.types) == 0) {
      return fail_connection(Errc::network, detail);
    }
    auto res = wait_result(detail);
    if (!res) return res.error();
    const bool ok = PQresultStatus(*res) == PGRES_COMMAND_OK;
    if (!ok) {
      Error e = map_error(*res, "cannot prepare a statement", nullptr);
      PQclear(*res);
      return e;
    }
    PQclear(*res);
    *name = std::move(fresh);
  }
  std::vector<int> formats(static_cast<std::size_t>(params.count), 0);
  if (PQsendQueryPrepared(conn_, name->c_str(), params.count, params.values, params.lengths,
                          formats.data(), 0) == 0) {
    return fail_connection(Errc::network, detail);
  }
  auto res = wait_result(detail);
  if (!res) return res.error();
  const auto status = PQresultStatus(*res);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    Error e = map_error(*res, detail, conflict_detail);
    PQclear(*res);
    return e;
  }
  const char* tuples = PQcmdTuples(*res);
  changes_ = (tuples != nullptr && *tuples != '\0') ? std::atoi(tuples) : 0;
  return *res;
}

Result<void> PgDb::simple(const char* sql, const char* detail) {
  if (auto r = ready(detail); !r) return r.error();
  if (PQsendQuery(conn_, sql) == 0) return fail_connection(Errc::network, detail);
  auto res = wait_result(detail);
  if (!res) return res.error();
  const auto status = PQresultStatus(*res);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    Error e = map_error(*res, detail, nullptr);
    PQclear(*res);
    return e;
  }
  PQclear(*res);
  return {};
}

Result<void> PgDb::exec(const char* sql, const char* detail) {
  return simple(sql, detail);
}

Result<Stmt> PgDb::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) it = cache_.emplace(sql, std::make_unique<PgStmt>(*this, sql)).first;
  return Stmt(it->second.get());
}

Result<Stmt> PgDb::prepare_text(const std::string& sql) {
  auto it = text_cache_.find(sql);
  if (it == text_cache_.end()) {
    it = text_cache_.emplace(sql, std::make_unique<PgStmt>(*this, sql)).first;
  }
  return Stmt(it->second.get());
}

Result<void> PgDb::tx_begin(bool read_only) {
  static const std::string kWrite =
      "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kPgWriteLockKey) + ")";
  auto r = simple(read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : kWrite.c_str(),
                  read_only ? "cannot begin a read transaction" : "cannot begin a transaction");
  if (!r) {
    // A BEGIN that went through before the lock failed: leave nothing open.
    if (conn_ != nullptr && PQtransactionStatus(conn_) != PQTRANS_IDLE) {
      (void)simple("ROLLBACK", "cannot roll back a transaction");
    }
    return r;
  }
  depth_ = 1;
  tx_lost_ = false;
  return {};
}

Result<void> PgDb::tx_commit() {
  auto r = simple("COMMIT", "cannot commit a transaction");
  if (!r) return r;  // TxScope rolls back
  // COMMIT of an aborted transaction answers ROLLBACK without an error.
  depth_ = 0;
  return {};
}

Result<void> PgDb::tx_savepoint() {
  if (auto r = simple("SAVEPOINT sip_tx", "cannot open a savepoint"); !r) return r;
  ++depth_;
  return {};
}

Result<void> PgDb::tx_release() {
  if (auto r = simple("RELEASE sip_tx", "cannot release a savepoint"); !r) return r;
  --depth_;
  return {};
}

void PgDb::tx_rollback(bool nested) noexcept {
  if (depth_ == 0) return;
  if (tx_lost_ || conn_ == nullptr) {
    // The server already dropped the transaction with the connection.
    if (nested) {
      --depth_;
    } else {
      depth_ = 0;
      tx_lost_ = false;
    }
    return;
  }
  if (nested) {
    (void)simple("ROLLBACK TO sip_tx; RELEASE sip_tx", "cannot roll back a savepoint");
    --depth_;
  } else {
    (void)simple("ROLLBACK", "cannot roll back a transaction");
    depth_ = 0;
    tx_lost_ = false;
  }
}

bool looks_like_postgres(std::string_view url) noexcept {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0 ||
         url.find('=') != std::string_view::npos;
}

std::string redact_conninfo(std::string_view url) {
  std::string s(url);
  if (url.rfind("postgres", 0) == 0) {
    // scheme://user:password@host -> scheme://user:***@host
    const auto scheme = s.find("://");
    const auto at = s.find('@', scheme == std::string::npos ? 0 : scheme + 3);
    if (scheme != std::string::npos && at != std::string::npos) {
      const auto colon = s.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
    }
    // ...?password=secret&...
    const auto p = s.find("password=");
    if (p != std::string::npos) {
      const auto end = s.find('&', p);
      s.replace(p + 9, (end == std::string::npos ? s.size() : end) - p - 9, "***");
    }
    return s;
  }
  const auto p = s.find("password");
  if (p != std::string::npos) {
    auto eq = s.find('=', p);
    if (eq != std::string::npos) {
      ++eq;
      while (eq < s.size() && s[eq] == ' ') ++eq;
      std::size_t end = eq;
      if (end < s.size() && s[end] == '\'') {
        end = s.find('\'', end + 1);
        end = end == std::string::npos ? s.size() : end + 1;
      } else {
        while (end < s.size() && s[end] != ' ') ++end;
      }
      s.replace(eq, end - eq, "***");
    }
  }
  return s;
}

}  // namespace sip::store
