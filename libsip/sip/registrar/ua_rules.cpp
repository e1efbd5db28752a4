#include "sip/registrar/ua_rules.hpp"

#include <re2/re2.h>

namespace sip::registrar {

UaRules::UaRules() = default;
UaRules::~UaRules() = default;
UaRules::UaRules(UaRules&&) noexcept = default;
UaRules& UaRules::operator=(UaRules&&) noexcept = default;

Result<UaRules> UaRules::compile(const std::vector<UserAgentRule>& rules) {
  UaRules out;
  out.rules_.reserve(rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const UserAgentRule& r = rules[i];
    if (!r.max_expires && r.algorithms.empty())
      return make_error(Errc::bad_config, i,
                        "User-Agent rule sets neither max_expires nor algorithms");
    for (const auth::Algorithm a : r.algorithms)
      if (!auth::server_supports(a))
        return make_error(Errc::bad_config, i, "User-Agent rule names an unsupported algorithm");
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(1 << 20);  // patterns come from config; keep each small
    auto re = std::make_unique<re2::RE2>(r.pattern, options);
    if (!re->ok())
      return make_error(Errc::bad_config, i, "User-Agent rule pattern does not compile");
    out.rules_.push_back({std::move(re), r.max_expires, r.algorithms});
  }
  return out;
}

bool UaRules::matches(const Compiled& c, std::string_view user_agent) const {
  return RE2::PartialMatch(re2::StringPiece(user_agent.data(), user_agent.size()), *c.re);
}

std::optional<std::chrono::seconds> UaRules::cap(std::string_view user_agent) const {
  for (const Compiled& c : rules_)
    if (c.max_expires && matches(c, user_agent)) return c.max_expires;
  return std::nullopt;
}

const auth::AlgorithmList* UaRules::algorithms(std::string_view user_agent) const {
  for (const Compiled& c : rules_)
    if (!c.algorithms.empty() && matches(c, user_agent)) return &c.algorithms;
  return nullptr;
}

}  // namespace sip::registrar
