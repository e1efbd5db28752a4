#include "sip/store/cdr_query.hpp"

#include <cstdint>
#include <string_view>

namespace sip::store {
namespace {

class Builder {
 public:
  explicit Builder(CdrSql& out) : out_(out) {}
  // "?n" of a new parameter.
  std::string param(std::int64_t value) {
    out_.params.emplace_back(value);
    return next();
  }
  std::string param(const std::string& value) {
    out_.params.emplace_back(value);
    return next();
  }
  void where(std::string_view clause) {
    out_.tail += out_.tail.empty() ? " WHERE " : " AND ";
    out_.tail += clause;
  }

 private:
  std::string next() const { return "?" + std::to_string(out_.params.size()); }
  CdrSql& out_;
};

}  // namespace

CdrSql cdr_query_sql(const CdrQuery& q, bool postgres) {
  CdrSql out;
  Builder b(out);
  if (q.owner_id != 0) b.where("owner_id = " + b.param(q.owner_id));
  if (!q.account.empty()) b.where("account = " + b.param(q.account));
  if (!q.direction.empty()) b.where("direction = " + b.param(q.direction));
  if (!q.call_id.empty()) b.where("call_id = " + b.param(q.call_id));
  if (!q.bridge_id.empty()) b.where("bridge_id = " + b.param(q.bridge_id));
  if (q.since != 0) b.where("created >= " + b.param(q.since));
  if (q.until != 0) b.where("created < " + b.param(q.until));
  if (q.status_min > 0 || q.status_max < CdrQuery::kAnyStatus) {
    const std::string lo = b.param(std::int64_t{q.status_min});
    b.where("answer_status BETWEEN " + lo + " AND " + b.param(std::int64_t{q.status_max}));
  }
  if (q.min_talk > 0) b.where("talk_duration >= " + b.param(std::int64_t{q.min_talk}));
  if (q.ended_only) b.where("hungup_at <> 0");
  const char* order = "";
  switch (q.order) {
    case CdrOrder::FinalSeq:
      // final_seq > 0 also keeps running legs out.
      b.where("final_seq > " + b.param(q.after_seq < 0 ? 0 : q.after_seq));
      order = " ORDER BY final_seq";
      break;
    case CdrOrder::NewestFirst:
      if (!q.after_id.empty()) {
        const std::string c = b.param(q.after_created);
        b.where("(created < " + c + " OR (created = " + c + " AND id > " + b.param(q.after_id) +
                "))");
      }
      order = " ORDER BY created DESC, id";
      break;
    case CdrOrder::OldestFirst:
      if (!q.after_id.empty()) {
        const std::string c = b.param(q.after_created);
        b.where("(created > " + c + " OR (created = " + c + " AND id > " + b.param(q.after_id) +
                "))");
      }
      order = " ORDER BY created, id";
      break;
  }
  out.tail += order;
  if (q.limit != 0) {
    const auto limit = q.limit > static_cast<std::size_t>(INT64_MAX)
                           ? INT64_MAX
                           : static_cast<std::int64_t>(q.limit);
    out.tail += " LIMIT " + b.param(limit);
  } else if (q.offset != 0 && !postgres) {
    out.tail += " LIMIT -1";  // SQLite takes OFFSET only after a LIMIT
  }
  if (q.offset != 0) {
    const auto offset = q.offset > static_cast<std::size_t>(INT64_MAX)
                            ? INT64_MAX
                            : static_cast<std::int64_t>(q.offset);
    out.tail += " OFFSET " + b.param(offset);
  }
  return out;
}

}  // namespace sip::store
