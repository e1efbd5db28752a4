// console.subscribe: the live console's stream (docs/console.md). Params:
// `filter` (the console filter language, default "event *"), `owner` (a
// customer's user name: only that customer's events; the HTTP API always
// sets it for customers), `queue` (events kept for a slow reader, default
// event::kDefaultQueue, 1..event::kMaxQueue; beyond it the oldest drop).
#include "sip/control/command_util.hpp"
#include "sip/event/bus.hpp"

namespace sip::control::detail {

void register_console_commands(CommandRegistry& registry, Context& ctx) {
  if (ctx.events == nullptr) return;
  registry.add_stream(
      "console.subscribe",
      [&ctx](const json& params,
             std::function<void()> notify) -> std::variant<StreamOpened, CommandError> {
        Fields f(params);
        f.only({"filter", "owner", "queue"});
        std::string error;
        auto filter = event::Filter::parse(f.string("filter").value_or(""), &error);
        if (!filter) return CommandError{"invalid_argument", error};
        const auto owner = f.string("owner");
        store::Id owner_id = 0;
        std::string owner_name;
        if (owner && !owner->empty()) {
          const store::Customer* c = ctx.directory.find_customer(*owner);
          if (c == nullptr) return CommandError{"not_found", "customer " + *owner + " not found"};
          owner_id = c->id;
          owner_name = c->username;
        }
        const auto queue = f.integer("queue", 1, static_cast<int>(event::kMaxQueue))
                               .value_or(static_cast<int>(event::kDefaultQueue));
        StreamOpened opened;
        opened.subscription = ctx.events->subscribe(
            std::move(*filter), owner_id, static_cast<std::size_t>(queue), std::move(notify));
        opened.result = json{{"filter", opened.subscription->filter().text()},
                             {"owner", owner_id != 0 ? json(owner_name) : json()},
                             {"queue", queue}};
        return opened;
      });
}

}  // namespace sip::control::detail
