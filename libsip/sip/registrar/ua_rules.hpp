// User-Agent rules of the registrar: RE2 patterns compiled once (at start
// and on reload), first partial match caps the granted expiry. Internal to
// the registrar module; RE2 stays in ua_rules.cpp.
// Thread-safety: immutable after compile(); cap() may run concurrently.
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

  // bad_config (offset = index of the rule) when a pattern does not compile.
  static Result<UaRules> compile(const std::vector<UserAgentRule>& rules);
  // The cap of the first rule whose pattern matches somewhere in `user_agent`.
  std::optional<std::chrono::seconds> cap(std::string_view user_agent) const;
  std::size_t size() const noexcept { return rules_.size(); }

 private:
  struct Compiled {
    std::unique_ptr<re2::RE2> re;
    std::chrono::seconds max_expires{0};
  };
  std::vector<Compiled> rules_;
};

}  // namespace sip::registrar
