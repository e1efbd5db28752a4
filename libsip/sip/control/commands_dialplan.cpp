// dialplan.list / get / add / update / remove, with validate on save: the
// source must compile with the compiler of its type (Lua, simple wizard
// JSON, or one dial string) before it is stored.
#include <algorithm>

#include "sip/control/command_util.hpp"
#include "sip/dialer/plans.hpp"
#include "sip/store/names.hpp"

namespace sip::control::detail {
namespace {

// The compiler the daemon runs the plan with: what passes here runs there.
std::optional<dialplan::Diagnostic> diagnose(const store::DialPlan& d) {
  const dialplan::CompileResult r = dialer::compile_plan(d.type, d.name, d.source);
  if (r.ok()) return std::nullopt;
  return r.error;
}

void check_plan_name(const std::string& name, const std::string& field) {
  if (!store::valid_plan_name(name))
    fail(Errc::invalid_argument, field + ": '" + name + "' is not " + store::kPlanNameRule);
}

}  // namespace

void apply_dialplan_fields(const Fields& f, store::DialPlan& d) {
  if (auto v = f.string("type")) {
    if (*v != "lua" && *v != "wizard" && *v != "dialstring")
      fail(Errc::invalid_argument, f.name("type") + ": expected lua, wizard or dialstring");
    d.type = *v;
  }
  if (auto v = f.string("source")) {
    if (v->size() > 256 * 1024) fail(Errc::invalid_argument, f.name("source") + ": over 256 KiB");
    d.source = *v;
  }
  if (auto v = f.string("description")) {
    check_text(*v, f.name("description"), 1024);
    d.description = *v;
  }
}

void compile_dialplan(const store::DialPlan& d, const std::string& field) {
  auto diag = diagnose(d);
  if (!diag) return;
  std::string where = "line " + std::to_string(diag->line);
  if (diag->column > 0) where += ":" + std::to_string(diag->column);
  fail(Errc::invalid_argument, field + ": " + where + ": " + diag->message);
}

namespace {

json dialplan_result(Context& ctx, store::Id id, const std::string& owner) {
  store::DialPlan d = unwrap(ctx.store.dialplans().get(id), "dial plan");
  ctx.directory.upsert_dialplan(d);
  return dialplan_json(d, owner, true);
}

json dialplan_add(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"owner", "name", "type", "source", "description"});
  store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
  store::DialPlan d;
  d.owner_id = owner.id;
  d.name = f.required_string("name");
  check_plan_name(d.name, "name");
  if (!f.has("source")) fail(Errc::invalid_argument, "source: required");
  apply_dialplan_fields(f, d);
  compile_dialplan(d, "source");
  const std::string what = "dial plan '" + d.name + "' of '" + owner.username + "'";
  store::Id id = unwrap(ctx.store.dialplans().add(d), what);
  return dialplan_result(ctx, id, owner.username);
}

json dialplan_update(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"owner", "name", "new_name", "type", "source", "description"});
  store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
  store::DialPlan d = find_dialplan(ctx.store, owner, f.required_string("name"));
  if (f.has("new_name")) {
    d.name = f.required_string("new_name");
    check_plan_name(d.name, "new_name");
  }
  apply_dialplan_fields(f, d);
  compile_dialplan(d, "source");
  d.updated = 0;  // now (the store keeps it growing)
  const std::string what = "dial plan '" + d.name + "' of '" + owner.username + "'";
  unwrap(ctx.store.dialplans().update(d), what);
  return dialplan_result(ctx, d.id, owner.username);
}

json dialplan_list(Context& ctx, const json& params) {
  Fields f(params);
  f.only({"owner"});
  store::Id owner = 0;
  if (auto o = f.string("owner"); o && !o->empty()) owner = find_customer(ctx.store, *o).id;
  auto names = customer_names(ctx.store);
  json out = json::array();
  for (const auto& d : unwrap(ctx.store.dialplans().list(owner), "dial plans"))
    out.push_back(dialplan_json(d, name_of(names, d.owner_id), false));
  return out;
}

}  // namespace

void register_dialplan_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("dialplan.list",
               [&ctx](const json& params) -> CommandResult { return dialplan_list(ctx, params); });
  registry.add("dialplan.get", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner", "name"});
    store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
    return dialplan_json(find_dialplan(ctx.store, owner, f.required_string("name")), owner.username,
                         true);
  });
  registry.add("dialplan.add",
               [&ctx](const json& params) -> CommandResult { return dialplan_add(ctx, params); });
  registry.add("dialplan.update", [&ctx](const json& params) -> CommandResult {
    return dialplan_update(ctx, params);
  });
  registry.add("dialplan.remove", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner", "name"});
    store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
    store::DialPlan d = find_dialplan(ctx.store, owner, f.required_string("name"));
    unwrap(ctx.store.dialplans().remove(d.id),
           "dial plan '" + d.name + "' of '" + owner.username + "'");
    ctx.directory.remove_dialplan(d.id);
    return json{{"removed", true}};
  });
}

}  // namespace sip::control::detail
