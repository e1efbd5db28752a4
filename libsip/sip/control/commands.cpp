// register_commands(), reload_directory() and generate_password().
#include <array>

#include "sip/base/random.hpp"
#include "sip/control/command_util.hpp"
#include "sip/directory/load.hpp"

namespace sip::control {

void register_commands(CommandRegistry& registry, Context& context) {
  detail::register_customer_commands(registry, context);
  detail::register_domain_commands(registry, context);
  detail::register_account_commands(registry, context);
  detail::register_binding_commands(registry, context);
  detail::register_provisioning_commands(registry, context);
  detail::register_provider_commands(registry, context);
  detail::register_dialplan_commands(registry, context);
  detail::register_dryrun_commands(registry, context);
  detail::register_cdr_commands(registry, context);
  detail::register_kv_commands(registry, context);
  detail::register_call_commands(registry, context);
  detail::register_console_commands(registry, context);
}

Result<void> reload_directory(Context& context) {
  return directory::load_directory(context.store, context.directory,
                                   std::string(context.directory.default_domain()));
}

std::string generate_password(std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  // Rejection sampling keeps every character equally likely.
  constexpr unsigned kLimit = 256 - 256 % kAlphabet.size();
  std::string out;
  out.reserve(length);
  std::array<std::uint8_t, 64> pool{};
  while (out.size() < length) {
    random_bytes(pool);
    for (std::uint8_t b : pool) {
      if (b >= kLimit) continue;
      out.push_back(kAlphabet[b % kAlphabet.size()]);
      if (out.size() == length) break;
    }
  }
  return out;
}

}  // namespace sip::control
