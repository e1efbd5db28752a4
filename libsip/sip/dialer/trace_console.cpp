#include "sip/dialer/trace_console.hpp"

#include <cmath>
#include <type_traits>

#include "sip/event/format.hpp"

namespace sip::dialer {

event::Event TraceConsole::base(const trace::Event& e, event::Type type, std::string what) const {
  event::Event out;
  out.type = type;
  out.what = std::move(what);
  out.time = start_ms_ + static_cast<std::int64_t>(std::llround(e.t * 1000));
  out.account = account_;
  out.call_id = e.call;
  return out;
}

std::vector<event::Event> TraceConsole::events(const trace::Event& e) {
  using event::Type;
  std::vector<event::Event> out;
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, trace::CallStart>) {
          start_ms_ = b.start_time * 1000;
          account_ = b.account.value_or("");
          plan_ = b.plan;
          direction_ = b.direction == dialplan::Direction::In ? "in" : "out";
          auto ev = base(e, Type::Call, "created");
          ev.method = "INVITE";
          ev.message = event::call_created_text(direction_, b.from, b.uri, b.plan);
          out.push_back(std::move(ev));
        } else if constexpr (std::is_same_v<T, trace::Log>) {
          auto ev = base(e, Type::DialPlan, "log");
          ev.level = b.level == dialplan::ConsoleLevel::Error  ? event::Level::Error
                     : b.level == dialplan::ConsoleLevel::Warn ? event::Level::Warn
                                                               : event::Level::Info;
          ev.message = b.text;
          out.push_back(std::move(ev));
        } else if constexpr (std::is_same_v<T, trace::Dial>) {
          leg_uris_.clear();
          if (!b.legs) return;
          for (const auto& leg : *b.legs) {
            if (leg_uris_.size() <= leg.leg) leg_uris_.resize(leg.leg + 1);
            leg_uris_[leg.leg] = leg.request_uri;
            auto ev = base(e, Type::Leg, "dialled");
            ev.method = "INVITE";
            ev.message = event::leg_text("dialled", leg.request_uri, 0, {});
            out.push_back(std::move(ev));
          }
        } else if constexpr (std::is_same_v<T, trace::Response>) {
          const bool ok = b.status >= 200 && b.status < 300;
          auto ev = base(e, Type::Leg, ok ? "answered" : "failed");
          if (!ok) ev.level = event::Level::Warn;
          ev.method = "INVITE";
          ev.status = b.status;
          ev.message = event::leg_text(ev.what, b.request_uri, b.status, b.reason);
          out.push_back(std::move(ev));
        } else if constexpr (std::is_same_v<T, trace::DialResult>) {
          if (b.outcome != dialplan::DialOutcome::Answered) return;
          auto ev = base(e, Type::Call, "answered");
          ev.method = "INVITE";
          ev.status = 200;
          ev.message = direction_ + " call answered";
          out.push_back(std::move(ev));
        } else if constexpr (std::is_same_v<T, trace::Final>) {
          if (b.error) {
            auto ev = base(e, Type::ScriptError, {});
            ev.level = event::Level::Error;
            ev.line = b.error->line;
            ev.message = event::script_error_text(plan_, b.error->line, b.error->message);
            out.push_back(std::move(ev));
          }
          auto ev = base(e, Type::Call, "ended");
          ev.method = "INVITE";
          ev.status = b.status;
          ev.message = direction_ + " call ended: " + b.kind +
                       (b.status != 0 ? " (" + std::to_string(b.status) + ")" : "");
          out.push_back(std::move(ev));
        }
      },
      e.body);
  return out;
}

}  // namespace sip::dialer
