#include "sip/control/trace_json.hpp"

#include <type_traits>

namespace sip::control {
namespace {

namespace trace = dialer::trace;
namespace dp = dialplan;
template <class Json>
void fields(Json& j, const trace::CallStart& e) {
  j["direction"] = e.direction == dp::Direction::In ? "in" : "out";
  j["uri"] = e.uri;
  j["from"] = e.from;
  j["plan"] = e.plan;
  j["plan_type"] = dp::plan_type_name(e.plan_type);
  j["start_time"] = e.start_time;
  j["time_zone"] = e.time_zone;
  j["tz_offset_minutes"] = e.tz_offset_minutes;
  j["account"] = e.account ? Json(*e.account) : Json();
}

template <class Json>
Json leg_json(const trace::DialLeg& l) {
  Json o{{"leg", l.leg},
         {"stage", l.stage},
         {"destination", l.destination},
         {"kind", routing::leg_kind_name(l.kind)},
         {"request_uri", l.request_uri},
         {"from", l.from},
         {"to", l.to},
         {"headers", l.headers},
         {"options", l.options}};
  if (!l.account.empty()) o["account"] = l.account;
  if (!l.provider.empty()) o["provider"] = l.provider;
  if (!l.next_hop.empty()) o["next_hop"] = l.next_hop;
  if (l.body_replaced) o["body_replaced"] = true;
  return o;
}

template <class Json>
void fields(Json& j, const trace::Dial& e) {
  j["dial_string"] = e.dial_string;
  j["substituted"] = e.substituted;
  j["ring_seconds"] = e.ring_seconds;
  j["answered_limit_seconds"] = e.answered_limit_seconds;
  if (e.legs) {
    Json legs = Json::array();
    for (const auto& l : *e.legs) legs.push_back(leg_json<Json>(l));
    j["legs"] = std::move(legs);
  }
  if (!e.dropped.empty()) {
    Json jd = Json::array();
    for (const auto& d : e.dropped)
      jd.push_back(Json{{"stage", d.stage}, {"destination", d.destination}, {"reason", d.reason}});
    j["dropped"] = std::move(jd);
  }
  for (const auto& n : e.notes) j["notes"].push_back(n);
  if (!e.error.empty()) j["error"] = e.error;
}

template <class Json>
void fields(Json& j, const trace::Response& e) {
  j["leg"] = e.leg;
  j["request_uri"] = e.request_uri;
  j["status"] = e.status;
  j["reason"] = e.reason;
  j["started"] = e.started;
  if (e.outcome_line) j["outcome_line"] = e.outcome_line;
  if (!e.contact.empty()) j["contact"] = e.contact;
}

template <class Json>
void fields(Json& j, const trace::Cancel& e) {
  j["leg"] = e.leg;
  j["request_uri"] = e.request_uri;
  j["started"] = e.started;
  j["why"] = e.why;
}

template <class Json>
void fields(Json& j, const trace::DialResult& e) {
  j["outcome"] = dp::dial_outcome_name(e.outcome);
  if (!e.answered_by.empty()) {
    j["answered_by"] = e.answered_by;
    j["destination"] = e.destination;
    if (e.answered_limit_seconds > 0) j["answered_limit_seconds"] = e.answered_limit_seconds;
    if (!e.transfer.empty()) j["transfer"] = e.transfer;
    return;
  }
  if (e.failure_status) {
    j["failure_status"] = e.failure_status;
    j["failure_reason"] = e.failure_reason;
  }
  if (!e.redirect_uri.empty()) j["redirect_uri"] = e.redirect_uri;
  if (e.rm_n_redirect) j["rm_n_redirect"] = *e.rm_n_redirect;
}

template <class Json>
void fields(Json& j, const trace::RedirectExecution& e) {
  j["redirect_uri"] = e.redirect_uri;
}
template <class Json>
void fields(Json& j, const trace::Loopback& e) {
  j["leg"] = e.leg;
  j["account"] = e.account;
  j["plan"] = e.plan;
  j["child"] = e.child;
}
template <class Json>
void fields(Json& j, const trace::Provisional& e) {
  j["status"] = e.status;
  j["reason"] = e.reason;
  j["headers"] = e.headers;
}
template <class Json>
void fields(Json& j, const trace::Log& e) {
  j["level"] = dp::console_level_name(e.level);
  j["text"] = e.text;
}
template <class Json>
void fields(Json& j, const trace::Wait& e) {
  j["seconds"] = e.seconds;
}
template <class Json>
void fields(Json& j, const trace::KvRead& e) {
  j["key"] = e.key;
  j["value"] = e.value ? Json(*e.value) : Json();
}
template <class Json>
void fields(Json& j, const trace::KvWrite& e) {
  j["key"] = e.key;
  j["value"] = e.value;
}
template <class Json>
void fields(Json& j, const trace::KvDelete& e) {
  j["key"] = e.key;
}
template <class Json>
void fields(Json& j, const trace::KvKeys& e) {
  j["keys"] = e.keys;
}
template <class Json>
void fields(Json& j, const trace::HttpGet& e) {
  j["url"] = e.url;
  j["result"] = e.result;
}
template <class Json>
void fields(Json& j, const trace::Callback& e) {
  j["first"] = e.first;
  j["second"] = e.second;
  j["delay_seconds"] = e.delay_seconds;
  j["result"] = e.result;
}

template <class Json>
void fields(Json& j, const trace::Final& e) {
  j["status"] = e.status;
  j["reason"] = e.reason;
  j["kind"] = e.kind;
  j["dialled"] = e.dialled;
  if (e.plan_status) {
    j["plan_status"] = *e.plan_status;
    j["plan_reason"] = e.plan_reason;
  }
  if (!e.answered_by.empty()) {
    j["answered_by"] = e.answered_by;
    j["destination"] = e.destination;
  }
  if (!e.headers.empty()) j["headers"] = e.headers;
  if (e.error)
    j["error"] =
        Json{{"kind", e.error->kind}, {"message", e.error->message}, {"line", e.error->line}};
}

template <class>
[[maybe_unused]] inline constexpr bool kNoName = false;

// One name per event type; an event type without a name does not compile.
template <class T>
constexpr const char* name_of() {
  if constexpr (std::is_same_v<T, trace::CallStart>) {
    return "call";
  } else if constexpr (std::is_same_v<T, trace::Dial>) {
    return "dial";
  } else if constexpr (std::is_same_v<T, trace::Response>) {
    return "response";
  } else if constexpr (std::is_same_v<T, trace::Cancel>) {
    return "cancel";
  } else if constexpr (std::is_same_v<T, trace::DialResult>) {
    return "dial_result";
  } else if constexpr (std::is_same_v<T, trace::RedirectExecution>) {
    return "redirect_execution";
  } else if constexpr (std::is_same_v<T, trace::Loopback>) {
    return "loopback";
  } else if constexpr (std::is_same_v<T, trace::Provisional>) {
    return "provisional";
  } else if constexpr (std::is_same_v<T, trace::Log>) {
    return "log";
  } else if constexpr (std::is_same_v<T, trace::Wait>) {
    return "wait";
  } else if constexpr (std::is_same_v<T, trace::KvRead>) {
    return "kv_read";
  } else if constexpr (std::is_same_v<T, trace::KvWrite>) {
    return "kv_write";
  } else if constexpr (std::is_same_v<T, trace::KvDelete>) {
    return "kv_delete";
  } else if constexpr (std::is_same_v<T, trace::KvKeys>) {
    return "kv_keys";
  } else if constexpr (std::is_same_v<T, trace::HttpGet>) {
    return "http_get";
  } else if constexpr (std::is_same_v<T, trace::Callback>) {
    return "callback";
  } else if constexpr (std::is_same_v<T, trace::Final>) {
    return "final";
  } else {
    static_assert(kNoName<T>, "a trace event without a name");
  }
}

template <class Json>
Json event_json(const trace::Event& event) {
  return std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        Json j;
        j["event"] = name_of<T>();
        j["call"] = event.call;
        j["t"] = event.t;
        if (event.execution != 0) j["execution"] = event.execution;
        fields(j, body);
        return j;
      },
      event.body);
}

}  // namespace

nlohmann::ordered_json trace_event_json(const trace::Event& event) {
  return event_json<nlohmann::ordered_json>(event);
}

nlohmann::json trace_event_value(const trace::Event& event) {
  return event_json<nlohmann::json>(event);
}

}  // namespace sip::control
