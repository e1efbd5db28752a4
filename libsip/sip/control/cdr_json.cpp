#include "sip/control/cdr_json.hpp"

#include <array>
#include <limits>
#include <string_view>
#include <utility>

#include "sip/control/command_util.hpp"

namespace sip::control {
namespace {

using nlohmann::json;

// Order names on the wire, one table for both directions.
constexpr std::array<std::pair<store::CdrOrder, std::string_view>, 3> kOrders = {{
    {store::CdrOrder::NewestFirst, "newest"},
    {store::CdrOrder::OldestFirst, "oldest"},
    {store::CdrOrder::FinalSeq, "final_seq"},
}};

std::string_view order_name(store::CdrOrder o) {
  for (const auto& [order, name] : kOrders)
    if (order == o) return name;
  return "newest";
}

}  // namespace

json cdr_to_json(const store::Cdr& c, const std::string& owner) {
  return {{"id", c.id},
          {"owner_id", c.owner_id},
          {"owner", owner},
          {"account", c.account},
          {"dialplan", c.dialplan},
          {"direction", c.direction},
          {"created", c.created},
          {"dst_user", c.dst_user},
          {"dst_host", c.dst_host},
          {"dst_uri", c.dst_uri},
          {"from_user", c.from_user},
          {"from_name", c.from_name},
          {"from_header", c.from_header},
          {"call_id", c.call_id},
          {"local_socket", c.local_socket},
          {"remote_socket", c.remote_socket},
          {"bridge_id", c.bridge_id},
          {"progress_at", c.progress_at},
          {"progress_status", c.progress_status},
          {"progress_reason", c.progress_reason},
          {"answered_at", c.answered_at},
          {"answer_status", c.answer_status},
          {"answer_reason", c.answer_reason},
          {"hungup_at", c.hungup_at},
          {"hangup_reason", c.hangup_reason},
          {"ring_duration", c.ring_duration},
          {"talk_duration", c.talk_duration},
          {"inserted", c.inserted},
          {"final_seq", c.final_seq}};
}

store::Cdr cdr_from_json(const json& j) {
  store::Cdr c;
  if (!j.is_object()) return c;
  auto text = [&j](const char* k) { return j.value(k, std::string()); };
  auto i64 = [&j](const char* k) { return j.value(k, std::int64_t{0}); };
  auto i32 = [&j](const char* k) { return j.value(k, 0); };
  c.id = text("id");
  c.owner_id = i64("owner_id");
  c.account = text("account");
  c.dialplan = text("dialplan");
  c.direction = text("direction");
  c.created = i64("created");
  c.dst_user = text("dst_user");
  c.dst_host = text("dst_host");
  c.dst_uri = text("dst_uri");
  c.from_user = text("from_user");
  c.from_name = text("from_name");
  c.from_header = text("from_header");
  c.call_id = text("call_id");
  c.local_socket = text("local_socket");
  c.remote_socket = text("remote_socket");
  c.bridge_id = text("bridge_id");
  c.progress_at = i64("progress_at");
  c.progress_status = i32("progress_status");
  c.progress_reason = text("progress_reason");
  c.answered_at = i64("answered_at");
  c.answer_status = i32("answer_status");
  c.answer_reason = text("answer_reason");
  c.hungup_at = i64("hungup_at");
  c.hangup_reason = text("hangup_reason");
  c.ring_duration = i32("ring_duration");
  c.talk_duration = i32("talk_duration");
  c.inserted = i64("inserted");
  c.final_seq = i64("final_seq");
  return c;
}

json cdr_query_params(const store::CdrQuery& q, const std::string& owner) {
  json p = json::object();
  if (!owner.empty()) p["owner"] = owner;
  if (!q.account.empty()) p["account"] = q.account;
  if (!q.direction.empty()) p["direction"] = q.direction;
  if (!q.call_id.empty()) p["call_id"] = q.call_id;
  if (!q.bridge_id.empty()) p["bridge_id"] = q.bridge_id;
  if (q.since != 0) p["since"] = q.since;
  if (q.until != 0) p["until"] = q.until;
  if (q.status_min > 0 || q.status_max < store::CdrQuery::kAnyStatus) {
    p["status_min"] = q.status_min;
    p["status_max"] = q.status_max;
  }
  if (q.min_talk > 0) p["min_talk"] = q.min_talk;
  if (q.ended_only) p["ended_only"] = true;
  if (q.order != store::CdrOrder::NewestFirst) p["order"] = order_name(q.order);
  if (q.after_seq > 0) p["after_seq"] = q.after_seq;
  if (!q.after_id.empty()) {
    p["after_created"] = q.after_created;
    p["after_id"] = q.after_id;
  }
  if (q.offset > 0) p["offset"] = q.offset;
  p["limit"] = q.limit;
  return p;
}

store::CdrQuery cdr_query_from_params(const json& params, std::string& owner) {
  detail::Fields f(params);
  f.only({"owner", "account", "direction", "call_id", "bridge_id", "since", "until", "status_min",
          "status_max", "min_talk", "ended_only", "order", "after_seq", "after_created", "after_id",
          "limit", "offset"});
  constexpr std::int64_t kMaxTime = std::numeric_limits<std::int64_t>::max();
  store::CdrQuery q;
  owner = f.string("owner").value_or("");
  q.account = f.string("account").value_or("");
  q.direction = f.string("direction").value_or("");
  if (!q.direction.empty() && q.direction != "in" && q.direction != "out")
    detail::fail(Errc::invalid_argument, "direction must be \"in\" or \"out\"");
  q.call_id = f.string("call_id").value_or("");
  q.bridge_id = f.string("bridge_id").value_or("");
  q.since = f.integer64("since", 0, kMaxTime).value_or(0);
  q.until = f.integer64("until", 0, kMaxTime).value_or(0);
  q.status_min = f.integer("status_min", 0, store::CdrQuery::kAnyStatus).value_or(0);
  q.status_max =
      f.integer("status_max", 0, store::CdrQuery::kAnyStatus).value_or(store::CdrQuery::kAnyStatus);
  q.min_talk = f.integer("min_talk", 0, std::numeric_limits<int>::max()).value_or(0);
  q.ended_only = f.boolean("ended_only").value_or(false);
  if (auto o = f.string("order")) {
    bool known = false;
    for (const auto& [order, name] : kOrders) {
      if (*o == name) {
        q.order = order;
        known = true;
      }
    }
    if (!known) detail::fail(Errc::invalid_argument, "order must be newest, oldest or final_seq");
  }
  q.after_seq = f.integer64("after_seq", 0, kMaxTime).value_or(0);
  q.after_created = f.integer64("after_created", 0, kMaxTime).value_or(0);
  q.after_id = f.string("after_id").value_or("");
  q.limit =
      static_cast<std::size_t>(f.integer("limit", 1, kCdrMaxLimit).value_or(kCdrDefaultLimit));
  q.offset = static_cast<std::size_t>(f.integer64("offset", 0, kMaxTime).value_or(0));
  return q;
}

}  // namespace sip::control
