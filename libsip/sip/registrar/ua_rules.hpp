// User-Agent rules of the registrar: RE2 patterns compiled once (at start
// and on reload). For each setting (expiry cap, digest algorithms) the first
// matching rule that has it applies. Internal to the registrar module; RE2
// stays in ua_rules.cpp.
// Thread-safety: immutable after compile(); match() may run concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "sip/base/result.hpp"
#include "sip/registrar/registrar.hpp"

namespace re2 {
class RE2;
}

namespace sip::registrar {

class UaRules {
 public:
  UaRules();
  ~UaRules();
  UaRules(UaRules&&) noexcept;
  UaRules& operator=(UaRules&&) noexcept;

  // bad_config (offset = index of the rule) when a pattern does not compile
  // or a rule sets nothing.
  static Result<UaRules> compile(const std::vector<UserAgentRule>& rules);
  // The cap of the first matching rule that has one.
  std::optional<std::chrono::seconds> cap(std::string_view user_agent) const;
  // The algorithms of the first matching rule that has some; null when none.
  // The pointer lives as long as this object.
  const auth::AlgorithmList* algorithms(std::string_view user_agent) const;
  std::size_t size() const noexcept { return rules_.size(); }

 private:
  struct Compiled {
    std::unique_ptr<re2::RE2> re;
    std::optional<std::chrono::seconds> max_expires;
    auth::AlgorithmList algorithms;
  };
  bool matches(const Compiled& c, std::string_view user_agent) const;
  std::vector<Compiled> rules_;
};

}  // namespace sip::registrar
