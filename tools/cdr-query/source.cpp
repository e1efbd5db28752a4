#include "source.hpp"

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/control_client.hpp"
#include "sip/control/cdr_json.hpp"
#include "sip/store/pg_store.hpp"
#include "sip/store/sqlite_store.hpp"

namespace sipsmith::cdrq {
namespace {

using cli::ExitCode;
using nlohmann::json;
using sip::store::Cdr;
using sip::store::CdrOrder;
using sip::store::CdrQuery;

SourceError store_error(const sip::Error& e) {
  return {e.code == sip::Errc::not_found ? ExitCode::Failure : ExitCode::Usage,
          "store: " + e.to_string()};
}

class StoreSource final : public CdrSource {
 public:
  StoreSource(std::unique_ptr<sip::store::Store> store, sip::store::Id owner_id,
              std::unordered_map<sip::store::Id, std::string> names)
      : store_(std::move(store)), owner_id_(owner_id), names_(std::move(names)) {}

  std::optional<SourceError> scan(const CdrQuery& query, const Visit& visit) override {
    CdrQuery q = query;
    q.owner_id = owner_id_;
    const std::string none;
    auto r = store_->cdrs().scan(q, [&](const Cdr& c) {
      auto it = names_.find(c.owner_id);
      return visit(c, it == names_.end() ? none : it->second);
    });
    if (!r) return store_error(r.error());
    return std::nullopt;
  }

  std::optional<std::int64_t> count(const CdrQuery& query) override {
    CdrQuery q = query;
    q.owner_id = owner_id_;
    auto n = store_->cdrs().count(q);
    if (!n) return std::nullopt;
    return *n;
  }

 private:
  std::unique_ptr<sip::store::Store> store_;
  sip::store::Id owner_id_;
  std::unordered_map<sip::store::Id, std::string> names_;
};

class SocketSource final : public CdrSource {
 public:
  SocketSource(std::string path, std::string owner, std::chrono::milliseconds timeout, int page,
               int verbosity)
      : path_(std::move(path)),
        owner_(std::move(owner)),
        page_(page),
        verbosity_(verbosity),
        client_(path_, timeout) {}

  std::optional<SourceError> scan(const CdrQuery& query, const Visit& visit) override {
    CdrQuery q = query;
    std::size_t left = q.limit;  // 0 = no limit
    for (;;) {
      q.limit = static_cast<std::size_t>(page_);
      if (left != 0) q.limit = std::min(q.limit, left);
      json rows;
      if (auto e = request(q, rows)) return e;
      for (const auto& row : rows) {
        const Cdr c = sip::control::cdr_from_json(row);
        if (!visit(c, row.value("owner", std::string()))) return std::nullopt;
      }
      if (rows.size() < q.limit) return std::nullopt;
      if (left != 0 && (left -= rows.size()) == 0) return std::nullopt;
      const json& last = rows.back();
      q.after_seq = last.value("final_seq", std::int64_t{0});
      q.after_created = last.value("created", std::int64_t{0});
      q.after_id = last.value("id", std::string());
    }
  }

  std::optional<std::int64_t> count(const CdrQuery&) override { return std::nullopt; }

 private:
  std::optional<SourceError> request(const CdrQuery& q, json& rows) {
    try {
      json line = {{"id", ++id_},
                   {"method", "cdr.list"},
                   {"params", sip::control::cdr_query_params(q, owner_)}};
      const std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace);
      if (verbosity_ > 0) std::cerr << "cdr-query: -> " << path_ << ": " << text << "\n";
      client_.restart_deadline();
      const std::string answer = client_.exchange(text);
      json response = json::parse(answer, nullptr, false);
      if (response.is_discarded() || !response.is_object())
        return SourceError{ExitCode::Network, "the daemon sent something that is not JSON"};
      if (auto err = response.find("error"); err != response.end() && err->is_object())
        return SourceError{ExitCode::Failure, err->value("code", std::string("error")) + ": " +
                                                  err->value("message", std::string())};
      auto result = response.find("result");
      if (result == response.end() || !result->is_array())
        return SourceError{ExitCode::Network, "cdr.list did not answer with an array"};
      rows = std::move(*result);
      return std::nullopt;
    } catch (const cli::NetworkError& e) {
      return SourceError{ExitCode::Network, e.what()};
    }
  }

  std::string path_, owner_;
  int page_;
  int verbosity_;
  int id_ = 0;
  cli::ControlClient client_;
};

}  // namespace

SourceResult open_store_source(const std::string& path, const std::string& owner,
                               std::chrono::milliseconds busy_timeout) {
  // A PostgreSQL URL or conninfo reads the daemon's database (read-only
  // session, docs/postgresql.md); anything else is the SQLite file.
  auto store = [&] {
    if (sip::store::is_postgres_url(path)) {
      sip::store::PgOptions pg;
      pg.url = path;
      pg.read_only = true;
      return sip::store::open_postgres(pg);
    }
    sip::store::SqliteOptions o;
    o.path = path;
    o.create = false;
    o.read_only = true;
    o.busy_timeout = busy_timeout;
    return sip::store::open_sqlite(o);
  }();
  if (!store)
    return {nullptr,
            {ExitCode::Usage, "cannot open " + sip::store::redact_postgres_url(path) + ": " +
                                  store.error().to_string()}};
  sip::store::Id owner_id = 0;
  std::unordered_map<sip::store::Id, std::string> names;
  auto customers = (*store)->customers().list();
  if (!customers) return {nullptr, store_error(customers.error())};
  for (const auto& c : *customers) names[c.id] = c.username;
  if (!owner.empty()) {  // as the daemon's cdr.list resolves it
    auto c = (*store)->customers().find(owner);
    if (!c) return {nullptr, store_error(c.error())};
    owner_id = c->id;
  }
  return {std::make_unique<StoreSource>(std::move(*store), owner_id, std::move(names)), {}};
}

SourceResult open_socket_source(const std::string& path, const std::string& owner,
                                std::chrono::milliseconds timeout, int page, int verbosity) {
  try {
    return {std::make_unique<SocketSource>(path, owner, timeout, page, verbosity), {}};
  } catch (const cli::NetworkError& e) {
    return {nullptr, {ExitCode::Network, e.what()}};
  }
}

}  // namespace sipsmith::cdrq
