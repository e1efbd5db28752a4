// cdr.list: call detail records filtered, ordered and paged as
// cdr_json.hpp describes (the store builds the SQL: store/cdr_query.hpp);
// cdr.count: how many records the same filters match (limit and offset
// ignored): {"count": n}.
#include "sip/control/cdr_json.hpp"
#include "sip/control/command_util.hpp"

namespace sip::control::detail {
namespace {

json cdr_list(Context& ctx, const json& params) {
  std::string owner;
  store::CdrQuery q = cdr_query_from_params(params, owner);
  if (!owner.empty()) q.owner_id = find_customer(ctx.store, owner).id;
  auto names = customer_names(ctx.store);
  json out = json::array();
  auto r = ctx.store.cdrs().scan(q, [&](const store::Cdr& c) {
    out.push_back(cdr_to_json(c, name_of(names, c.owner_id)));
    return true;
  });
  unwrap(std::move(r), "cdrs");
  return out;
}

json cdr_count(Context& ctx, const json& params) {
  std::string owner;
  store::CdrQuery q = cdr_query_from_params(params, owner);
  if (!owner.empty()) q.owner_id = find_customer(ctx.store, owner).id;
  q.limit = 0;
  q.offset = 0;
  return {{"count", unwrap(ctx.store.cdrs().count(q), "cdrs")}};
}

}  // namespace

void register_cdr_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("cdr.list",
               [&ctx](const json& params) -> CommandResult { return cdr_list(ctx, params); });
  registry.add("cdr.count",
               [&ctx](const json& params) -> CommandResult { return cdr_count(ctx, params); });
}

}  // namespace sip::control::detail
