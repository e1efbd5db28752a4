#include "sip/lua/lua_plan.hpp"

#include <utility>

#include "sip/lua/state.hpp"

extern "C" {
#include <lualib.h>
}

namespace sip::lua {
namespace {

class LuaPlan final : public dialplan::CompiledPlan {
 public:
  explicit LuaPlan(std::shared_ptr<const PlanData> data) : data_(std::move(data)) {}
  dialplan::PlanType type() const noexcept override { return dialplan::PlanType::Lua; }
  const std::string& name() const noexcept override { return data_->name; }
  std::unique_ptr<dialplan::Execution> new_execution() const override {
    return make_execution(data_);
  }

 private:
  std::shared_ptr<const PlanData> data_;
};

int write_chunk(lua_State*, const void* p, std::size_t size, void* ud) {
  static_cast<std::string*>(ud)->append(static_cast<const char*>(p), size);
  return 0;
}

dialplan::CompileResult failure(int line, std::string message) {
  dialplan::CompileResult result;
  result.error = dialplan::Diagnostic{line, 0, std::move(message)};
  return result;
}

}  // namespace

LuaCompiler::LuaCompiler(LuaConfig config) : config_(std::move(config)) {}

dialplan::CompileResult LuaCompiler::compile(std::string_view name, std::string_view source) const {
  if (name.empty()) return failure(0, "dial plan name is empty");
  if (source.size() > config_.max_source_bytes) {
    return failure(0,
                   "script is larger than " + std::to_string(config_.max_source_bytes) + " bytes");
  }
  lua_State* L = luaL_newstate();
  if (L == nullptr) return failure(0, "out of memory");
  auto data = std::make_shared<PlanData>();
  data->name = std::string(name);
  data->config = config_;
  // Parsing runs no script code: no sandbox needed, only "t" (text) mode.
  if (luaL_loadbufferx(L, source.data(), source.size(), kChunkName, "t") != LUA_OK) {
    const char* text = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "syntax error";
    std::string message;
    const int line = split_error_line(text, message);
    lua_close(L);
    return failure(line, std::move(message));
  }
  lua_dump(L, write_chunk, &data->bytecode, 0);  // keep line info for error messages
  lua_close(L);
  dialplan::CompileResult result;
  result.plan = std::make_shared<LuaPlan>(std::move(data));
  return result;
}

}  // namespace sip::lua
