// LuaExecution: one lua_State per execution running the plan's chunk in a
// coroutine. Suspending sys methods put their action in the outbox and yield;
// Log/print/provisional Respond only queue, so they also work inside
// callbacks that cannot yield. resume() hands results to the continuation of
// the suspended method. Every Lua entry point from here is protected
// (lua_pcall, lua_resume); nothing here can raise a Lua error unprotected.
#include <cstdio>
#include <cstring>
#include <utility>

#include "sip/lua/state.hpp"

namespace sip::lua {
namespace {

using dialplan::Action;
using dialplan::ActionResult;
using dialplan::Done;
using dialplan::OutcomeTracker;
using dialplan::ScriptErrorKind;

// Builds the sandbox, the sys/req objects and the script coroutine.
int setup(lua_State* L) {
  State* s = state_of(L);
  open_ci_metatables(L);
  open_sandbox(L);
  open_sys(L);
  const std::string& code = s->plan->bytecode;
  if (luaL_loadbufferx(L, code.data(), code.size(), kChunkName, "b") != LUA_OK) {
    return lua_error(L);
  }
  lua_State* co = lua_newthread(L);
  lua_pushvalue(L, -2);
  lua_xmove(L, co, 1);
  s->co = co;
  luaL_ref(L, LUA_REGISTRYINDEX);  // anchors the thread
  lua_pop(L, 1);
  return 0;
}

class LuaExecution final : public dialplan::Execution {
 public:
  explicit LuaExecution(std::shared_ptr<const PlanData> plan) { s_.plan = std::move(plan); }
  ~LuaExecution() override { close(); }

  Action start(const dialplan::CallContext& ctx) override;
  Action resume(ActionResult result) override;
  bool done() const noexcept override { return done_; }

 private:
  Action run();
  Action next();
  void finish(Done done) { s_.outbox.push_back(std::move(done)); }
  Done error_done(lua_State* thread, int status);
  void close();

  State s_;
  bool started_ = false;
  bool done_ = false;
  Done done_value_;
};

Action LuaExecution::start(const dialplan::CallContext& ctx) {
  if (started_) return resume(dialplan::Ack{});
  started_ = true;
  s_.ctx = ctx;
  if (s_.ctx.clock == nullptr) {
    finish(OutcomeTracker::script_error(ScriptErrorKind::Runtime, "execution has no clock", 0));
    return next();
  }
  s_.host = s_.ctx.host != nullptr ? s_.ctx.host : &s_.null_host;
  const auto& limits = s_.ctx.limits;
  s_.mem_cap = limits.memory_bytes;
  s_.started = s_.ctx.clock->now();
  s_.absolute = s_.started + limits.absolute_deadline;
  s_.deadline = std::min(s_.absolute, s_.started + limits.initial_deadline);
  s_.redirect_uri = s_.ctx.redirect_uri;
  s_.redirect_response = s_.ctx.redirect_response;

  s_.L = lua_newstate(sandbox_alloc, &s_);
  if (s_.L == nullptr) {
    finish(OutcomeTracker::script_error(ScriptErrorKind::Memory, kill_message(Kill::Memory), 0));
    return next();
  }
  *static_cast<State**>(lua_getextraspace(s_.L)) = &s_;
  lua_pushcfunction(s_.L, setup);
  const int status = lua_pcall(s_.L, 0, 0, 0);
  if (status != LUA_OK) {
    finish(error_done(s_.L, status));
    return next();
  }
  return run();
}

Action LuaExecution::resume(ActionResult result) {
  if (done_) return done_value_;
  if (!started_) {
    finish(OutcomeTracker::script_error(ScriptErrorKind::Runtime, "resume() before start()", 0));
    return next();
  }
  if (std::holds_alternative<dialplan::CallerCancelled>(result)) {
    s_.outbox.clear();
    finish(OutcomeTracker::cancelled());
    return next();
  }
  if (!s_.outbox.empty()) return next();  // the result of a queued Log/Respond
  if (s_.pending == Pending::Dial) {
    if (const auto* d = std::get_if<dialplan::DialResult>(&result)) {
      if (d->outcome == dialplan::DialOutcome::Answered) {
        finish(OutcomeTracker::answered());  // an answered call ends the script
        return next();
      }
      if (d->outcome == dialplan::DialOutcome::ClientCancelled) {
        finish(OutcomeTracker::cancelled());
        return next();
      }
    }
  }
  const TimePoint now = s_.ctx.clock->now();
  if (now > s_.deadline || now > s_.absolute) {
    finish(
        OutcomeTracker::script_error(ScriptErrorKind::Deadline, kill_message(Kill::Deadline), 0));
    return next();
  }
  s_.result = std::move(result);
  return run();
}

Action LuaExecution::run() {
  int nres = 0;
  const int status = lua_resume(s_.co, s_.L, 0, &nres);
  if (status == LUA_YIELD) {
    lua_pop(s_.co, nres);
    if (s_.final_done) {
      finish(*s_.final_done);
    } else if (s_.pending == Pending::None) {
      finish(OutcomeTracker::script_error(
          ScriptErrorKind::Runtime,
          "coroutine.yield() called outside a coroutine the script created", 0));
    }
    // else: the suspending method's action is already last in the outbox.
  } else if (status == LUA_OK) {
    finish(s_.final_done ? *s_.final_done : s_.tracker.unanswered());
  } else {
    finish(s_.final_done ? *s_.final_done : error_done(s_.co, status));
  }
  return next();
}

Action LuaExecution::next() {
  Action action = std::move(s_.outbox.front());
  s_.outbox.pop_front();
  if (const auto* d = std::get_if<Done>(&action)) {
    done_ = true;
    done_value_ = *d;
    s_.outbox.clear();
    close();
  }
  return action;
}

Done LuaExecution::error_done(lua_State* thread, int status) {
  ScriptErrorKind kind = ScriptErrorKind::Runtime;
  std::string text;
  switch (s_.kill) {
    case Kill::Budget: kind = ScriptErrorKind::Budget; break;
    case Kill::Memory: kind = ScriptErrorKind::Memory; break;
    case Kill::Deadline: kind = ScriptErrorKind::Deadline; break;
    default:
      if (status == LUA_ERRMEM) kind = ScriptErrorKind::Memory;
      break;
  }
  if (kind != ScriptErrorKind::Runtime) {
    text = kill_message(kind == ScriptErrorKind::Memory ? Kill::Memory : s_.kill);
  } else if (lua_type(thread, -1) == LUA_TSTRING) {
    text = lua_tostring(thread, -1);  // a string: no conversion, no allocation
  } else if (lua_type(thread, -1) == LUA_TNUMBER) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "error object is the number %.14g",
                  static_cast<double>(lua_tonumber(thread, -1)));
    text = buf;
  } else {
    text = std::string("error object is a ") + luaL_typename(thread, -1) + " value";
  }
  std::string message;
  int line = split_error_line(text, message);
  if (line == 0) {  // the innermost script line still on the dead coroutine's stack
    lua_Debug ar;
    for (int level = 0; lua_getstack(thread, level, &ar) != 0; ++level) {
      if (lua_getinfo(thread, "Sl", &ar) != 0 && ar.currentline > 0 &&
          std::strcmp(ar.source, kChunkName) == 0) {
        line = ar.currentline;
        break;
      }
    }
  }
  if (kind == ScriptErrorKind::Runtime &&
      message.find("attempt to call a nil value") != std::string::npos) {
    kind = ScriptErrorKind::MissingMethod;
  }
  return OutcomeTracker::script_error(kind, std::move(message), line);
}

void LuaExecution::close() {
  if (s_.L == nullptr) return;
  s_.kill = Kill::Closing;  // no script code may run while the state closes
  lua_close(s_.L);
  s_.L = nullptr;
  s_.co = nullptr;
}

}  // namespace

std::unique_ptr<dialplan::Execution> make_execution(std::shared_ptr<const PlanData> plan) {
  return std::make_unique<LuaExecution>(std::move(plan));
}

int split_error_line(std::string_view message, std::string& rest) {
  const std::string_view prefix = kChunkName + 1;  // "dialplan"
  if (message.substr(0, prefix.size()) == prefix && message.size() > prefix.size() &&
      message[prefix.size()] == ':') {
    std::size_t i = prefix.size() + 1;
    int line = 0;
    while (i < message.size() && message[i] >= '0' && message[i] <= '9' && line < 10'000'000) {
      line = line * 10 + (message[i++] - '0');
    }
    if (line > 0 && i < message.size() && message[i] == ':') {
      ++i;
      while (i < message.size() && message[i] == ' ') ++i;
      rest = std::string(message.substr(i));
      return line;
    }
  }
  rest = std::string(message);
  return 0;
}

}  // namespace sip::lua
