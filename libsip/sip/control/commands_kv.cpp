// kv.keys / get / put / remove: a customer's dial plan key/value store
// (sys.DBRead/DBWrite/DBDelete/DBGetKeys) from the outside. Every method
// names the owner; values are at most 10000 bytes, keys 1..256 bytes
// (store::KvRepository).
#include "sip/control/command_util.hpp"

namespace sip::control::detail {
namespace {

constexpr std::size_t kMaxKey = 256;
constexpr std::size_t kMaxValue = 10000;

std::string key_of(const Fields& f) {
  std::string key = f.required_string("key");
  if (key.size() > kMaxKey) fail(Errc::invalid_argument, "key: at most 256 bytes");
  return key;
}

}  // namespace

void register_kv_commands(CommandRegistry& registry, Context& ctx) {
  registry.add("kv.keys", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner"});
    store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
    return json(unwrap(ctx.store.kv().keys(owner.id), "keys"));
  });
  registry.add("kv.get", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner", "key"});
    store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
    const std::string key = key_of(f);
    auto value = unwrap(ctx.store.kv().get(owner.id, key), "key");
    if (!value) fail(Errc::not_found, "key '" + key + "' not found");
    return json{{"key", key}, {"value", *value}};
  });
  registry.add("kv.put", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner", "key", "value"});
    store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
    const std::string key = key_of(f);
    const std::string value = f.string("value").value_or("");
    if (value.size() > kMaxValue) fail(Errc::invalid_argument, "value: at most 10000 bytes");
    unwrap(ctx.store.kv().put(owner.id, key, value, unix_now(ctx)), "key '" + key + "'");
    return json{{"key", key}, {"value", value}};
  });
  registry.add("kv.remove", [&ctx](const json& params) -> CommandResult {
    Fields f(params);
    f.only({"owner", "key"});
    store::Customer owner = find_customer(ctx.store, f.required_string("owner"));
    unwrap(ctx.store.kv().remove(owner.id, key_of(f)), "key");
    return json{{"removed", true}};
  });
}

}  // namespace sip::control::detail
