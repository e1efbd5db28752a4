#include "sip/b2bua/events.hpp"

#include <string>
#include <utility>

#include "sip/event/bus.hpp"
#include "sip/event/format.hpp"

namespace sip::b2bua {
namespace {

using event::Type;

event::Event base(Type type, const Call& call, std::string_view what) {
  event::Event e;
  e.type = type;
  e.what = std::string(what);
  e.owner_id = call.owner;
  e.owner = call.owner_name;
  e.account = call.cdr.account;
  e.call_id = call.a.call_id.empty() ? call.cdr.call_id : call.a.call_id;
  e.bridge_id = call.cdr.bridge_id;
  e.remote = call.cdr.remote_socket;
  e.local = call.cdr.local_socket;
  return e;
}

std::string status_text(int status, std::string_view reason) {
  if (status == 0) return std::string(reason);
  return std::to_string(status) + (reason.empty() ? "" : " " + std::string(reason));
}

}  // namespace

void emit_call(event::Bus* bus, const Call& call, CallEvent::Kind kind, int status,
               std::string_view reason) {
  if (bus == nullptr) return;
  bus->note_call(call.a.call_id.empty() ? call.cdr.call_id : call.a.call_id, call.owner,
                 call.owner_name);
  if (!bus->wants(Type::Call)) return;
  static constexpr std::string_view kWhat[] = {"created", "progress", "answered", "ended"};
  event::Event e = base(Type::Call, call, kWhat[static_cast<int>(kind)]);
  e.method = "INVITE";
  e.status = status;
  const std::string dir = call.direction == dialplan::Direction::In ? "in" : "out";
  switch (kind) {
    case CallEvent::Kind::Created:
      e.message =
          event::call_created_text(dir, call.cdr.from_header, call.cdr.dst_uri, call.dialplan);
      break;
    case CallEvent::Kind::Progress: e.message = "progress " + status_text(status, reason); break;
    case CallEvent::Kind::Answered: e.message = dir + " call answered"; break;
    case CallEvent::Kind::HungUp:
      e.message = dir + " call ended: " + std::string(reason) +
                  (status != 0 ? " (" + status_text(status, {}) + ")" : "");
      break;
  }
  bus->emit(std::move(e));
}

void emit_call_note(event::Bus* bus, const Call& call, std::string_view what, bool warn,
                    std::string message) {
  if (bus == nullptr || !bus->wants(Type::Call)) return;
  event::Event e = base(Type::Call, call, what);
  if (warn) e.level = event::Level::Warn;
  e.message = std::move(message);
  bus->emit(std::move(e));
}

void emit_limit(event::Bus* bus, store::Id owner, const std::string& owner_name,
                const std::string& account, std::string message) {
  if (bus == nullptr || !bus->wants(Type::Security)) return;
  event::Event e;
  e.type = Type::Security;
  e.what = "call_limit";
  e.level = event::Level::Warn;
  e.owner_id = owner;
  e.owner = owner_name;
  e.account = account;
  e.method = "INVITE";
  e.message = std::move(message);
  bus->emit(std::move(e));
}

void emit_leg(event::Bus* bus, const Call& call, const Leg& leg, std::string_view what, int status,
              std::string_view reason) {
  if (bus == nullptr) return;
  bus->note_call(leg.call_id, call.owner, call.owner_name);
  if (!bus->wants(Type::Leg)) return;
  event::Event e = base(Type::Leg, call, what);
  if (what == "failed") e.level = event::Level::Warn;
  e.call_id = leg.call_id;
  e.account = leg.cdr.account.empty() ? call.cdr.account : leg.cdr.account;
  e.remote = leg.cdr.remote_socket;
  e.method = "INVITE";
  e.status = status;
  e.message = event::leg_text(what, leg.target.request_uri, status, reason);
  bus->emit(std::move(e));
}

void emit_plan_log(event::Bus* bus, const Call& call, const PlanRun& plan,
                   const dialplan::Log& line) {
  if (bus == nullptr || !bus->wants(Type::DialPlan)) return;
  event::Event e = base(Type::DialPlan, call, "log");
  e.owner_id = plan.owner;  // a loop-back runs the called customer's plan
  e.owner = plan.owner_name;
  e.level = line.level == dialplan::ConsoleLevel::Error  ? event::Level::Error
            : line.level == dialplan::ConsoleLevel::Warn ? event::Level::Warn
                                                         : event::Level::Info;
  e.message = line.text;
  bus->emit(std::move(e));
}

void emit_script_error(event::Bus* bus, const Call& call, const PlanRun& plan,
                       const dialplan::Done& done) {
  if (bus == nullptr || !bus->wants(Type::ScriptError)) return;
  event::Event e = base(Type::ScriptError, call, {});
  e.owner_id = plan.owner;
  e.owner = plan.owner_name;
  e.level = event::Level::Error;
  e.line = done.error_line;
  e.message = event::script_error_text(plan.dialplan, done.error_line, done.error_message);
  bus->emit(std::move(e));
}

}  // namespace sip::b2bua
