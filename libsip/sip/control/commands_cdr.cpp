// cdr.list: call detail records, newest first, filtered by owner (customer
// username), call_id, bridge_id and a created range (unix milliseconds).
#include <limits>

#include "sip/control/command_util.hpp"

namespace sip::control::detail {
namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 10000;

json cdr_list(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"owner", "call_id", "bridge_id", "since", "until", "limit"});
  constexpr std::int64_t kMaxTime = std::numeric_limits<std::int64_t>::max();
  store::CdrQuery q;
  if (auto o = f.string("owner"); o && !o->empty()) q.owner_id = find_customer(ctx.store, *o).id;
  q.call_id = f.string("call_id").value_or("");
  q.bridge_id = f.string("bridge_id").value_or("");
  q.since = f.integer64("since", 0, kMaxTime).value_or(0);
  q.until = f.integer64("until", 0, kMaxTime).value_or(0);
  q.limit = static_cast<std::size_t>(f.integer("limit", 1, kMaxLimit).value_or(kDefaultLimit));
  auto names = customer_names(ctx.store);
  json out = json::array();
  for (const auto& c : unwrap(ctx.store.cdrs().list(q), "cdrs"))
    out.push_back(cdr_json(c, name_of(names, c.owner_id)));
  return out;
}

}  // namespace

void register_cdr_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("cdr.list",
               [&ctx](const json& params) -> CommandResult { return cdr_list(ctx, params); });
}

}  // namespace sip::control::detail
