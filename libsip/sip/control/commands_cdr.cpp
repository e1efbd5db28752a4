// cdr.list: call detail records filtered, ordered and paged as
// cdr_json.hpp describes (the store builds the SQL: store/cdr_query.hpp).
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

}  // namespace

void register_cdr_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("cdr.list",
               [&ctx](const json& params) -> CommandResult { return cdr_list(ctx, params); });
}

}  // namespace sip::control::detail
