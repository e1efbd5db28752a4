#include "sip/dialer/plans.hpp"

#include <string>

#include "sip/base/ci.hpp"
#include "sip/dialplan/dialstring_plan.hpp"
#include "sip/lua/lua_plan.hpp"
#include "sip/wizard/wizard_plan.hpp"

namespace sip::dialer {

std::optional<dialplan::PlanType> plan_type_from_name(std::string_view name) noexcept {
  for (auto t :
       {dialplan::PlanType::Lua, dialplan::PlanType::Wizard, dialplan::PlanType::DialString})
    if (ci_equal(name, dialplan::plan_type_name(t))) return t;
  return std::nullopt;
}

dialplan::CompileResult compile_plan(dialplan::PlanType type, std::string_view name,
                                     std::string_view source) {
  switch (type) {
    case dialplan::PlanType::Lua: return lua::LuaCompiler().compile(name, source);
    case dialplan::PlanType::Wizard: return wizard::WizardCompiler().compile(name, source);
    case dialplan::PlanType::DialString:
      return dialplan::DialStringCompiler().compile(name, source);
  }
  return {};
}

dialplan::CompileResult compile_plan(std::string_view type, std::string_view name,
                                     std::string_view source) {
  if (auto t = plan_type_from_name(type)) return compile_plan(*t, name, source);
  dialplan::CompileResult r;
  r.error.message =
      "unknown dial plan type \"" + std::string(type) + "\" (expected lua, wizard or dialstring)";
  return r;
}

}  // namespace sip::dialer
