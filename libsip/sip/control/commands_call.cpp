// call.list / call.hangup / call.blindtransfer / call.dualtransfer /
// call.callback: the calls of the daemon's call manager (docs/transfers.md). Each
// takes an optional owner (a customer's user name): with it, only that
// customer's calls are listed or can be touched (another customer's call is
// "not found"); without it (the control socket's operator) every call.
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

// A call named by its id (call.list) or the caller's Call-ID, among the
// calls `owner` may see.
std::uint64_t call_ref(Context& ctx, const json& params, const char* field, store::Id owner) {
  const auto it = params.find(field);
  if (it != params.end() && it->is_number_integer() && it->get<std::int64_t>() > 0)
    return static_cast<std::uint64_t>(it->get<std::int64_t>());
  if (it != params.end() && it->is_string() && !it->get<std::string>().empty()) {
    const std::string call_id = it->get<std::string>();
    for (const auto& c : calls_of(ctx).calls(owner))
      if (c.call_id == call_id) return c.id;
    fail(Errc::not_found, std::string(field) + ": no call with Call-ID " + call_id);
  }
  fail(Errc::invalid_argument,
       std::string(field) + ": required, a call's id or its caller's Call-ID (call.list)");
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
  registry.add("call.blindtransfer", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner", "id", "destination"});
    const store::Id owner = owner_of(ctx, f);
    const auto given = f.integer64("id", 1, INT64_MAX);
    if (!given) fail(Errc::invalid_argument, f.name("id") + ": required, a call's id (call.list)");
    const auto destination = f.string("destination");
    if (!destination || destination->empty())
      fail(Errc::invalid_argument,
           f.name("destination") + ": required, e.g. \"300\" or \"sip:300@example.com\"");
    const std::int64_t id = *given;
    const std::string error =
        calls_of(ctx).blind_transfer(static_cast<std::uint64_t>(id), owner, *destination);
    if (error == "no such call") fail(Errc::not_found, "call " + std::to_string(id) + " not found");
    if (!error.empty()) fail(Errc::invalid_argument, "call " + std::to_string(id) + ": " + error);
    return json{{"transferring", true}, {"id", id}, {"destination", *destination}};
  });
  registry.add("call.dualtransfer", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner", "first", "second"});
    const store::Id owner = owner_of(ctx, f);
    const std::uint64_t first = call_ref(ctx, params, "first", owner);
    const std::uint64_t second = call_ref(ctx, params, "second", owner);
    const std::string error = calls_of(ctx).dual_transfer(first, second, owner);
    if (error.rfind("no such call", 0) == 0) fail(Errc::not_found, error);
    if (!error.empty()) fail(Errc::invalid_argument, error);
    return json{{"joined", true}, {"id", first}, {"ended", second}};
  });
  registry.add("call.callback", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner", "first", "second"});
    const store::Id owner = owner_of(ctx, f);
    if (owner == 0)
      fail(Errc::invalid_argument, f.name("owner") + ": required, the customer whose call it is");
    const std::string first = f.required_string("first");
    const std::string second = f.required_string("second");
    std::uint64_t id = 0;
    const std::string error = calls_of(ctx).callback(owner, first, second, &id);
    if (!error.empty()) fail(Errc::invalid_argument, error);
    return json{{"id", id}, {"first", first}, {"second", second}};
  });
}

}  // namespace sip::control::detail
