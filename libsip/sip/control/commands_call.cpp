// call.list / call.hangup: the calls in progress of the daemon's call
// manager. Both take an optional owner (a customer's user name): with it,
// only that customer's calls are listed or can be hung up (another
// customer's call is "not found"); without it (the control socket's
// operator) every call.
#include "sip/b2bua/call_manager.hpp"
#include "sip/control/command_util.hpp"

namespace sip::control::detail {
namespace {

json call_json(const b2bua::CallInfo& c) {
  json j{{"id", c.id},
         {"owner", c.owner_name},
         {"account", c.account},
         {"direction", c.direction},
         {"state", c.state},
         {"dialplan", c.dialplan},
         {"call_id", c.call_id},
         {"from", c.from},
         {"request_uri", c.request_uri},
         {"bridge_id", c.bridge_id},
         {"created", c.created},
         {"legs", c.legs}};
  if (!c.answered_by.empty()) j["answered_by"] = c.answered_by;
  if (c.answered_at != 0) j["answered_at"] = c.answered_at;
  return j;
}

b2bua::CallManager& calls_of(Context& ctx) {
  if (ctx.calls == nullptr) fail(Errc::not_found, "no call manager: calls are not handled here");
  return *ctx.calls;
}

store::Id owner_of(Context& ctx, const Fields& f) {
  const auto name = f.string("owner");
  return name && !name->empty() ? find_customer(ctx.store, *name).id : 0;
}

}  // namespace

void register_call_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("call.list", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner"});
    const store::Id owner = owner_of(ctx, f);
    json out = json::array();
    for (const auto& c : calls_of(ctx).calls(owner)) out.push_back(call_json(c));
    return out;
  });
  registry.add("call.hangup", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner", "id"});
    const store::Id owner = owner_of(ctx, f);
    const auto given = f.integer64("id", 1, INT64_MAX);
    if (!given) fail(Errc::invalid_argument, f.name("id") + ": required, a call's id (call.list)");
    const std::int64_t id = *given;
    if (!calls_of(ctx).hang_up(static_cast<std::uint64_t>(id), owner, "hung up by the operator"))
      fail(Errc::not_found, "call " + std::to_string(id) + " not found");
    return json{{"hung_up", true}, {"id", id}};
  });
}

}  // namespace sip::control::detail
