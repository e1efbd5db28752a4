#include "sip/http/event_stream.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <variant>

#include "sip/control/event_json.hpp"
#include "sip/event/bus.hpp"
#include "sip/http/api_v1.hpp"

namespace sip::http {
namespace {

constexpr auto kKeepalive = std::chrono::seconds(15);
constexpr std::chrono::milliseconds kPoll{500};  // how often a quiet stream checks its client
constexpr std::size_t kBatch = 256;

using Opened = std::variant<control::StreamOpened, control::CommandError>;

std::string sse(const std::string& event, const std::string& data) {
  std::string out;
  if (!event.empty()) out += "event: " + event + "\n";
  out += "data: " + data + "\n\n";
  return out;
}

}  // namespace

bool EventStreams::admit(const std::shared_ptr<event::Subscription>& s, std::size_t max) {
  std::lock_guard lock(mu_);
  if (live_.size() >= max) return false;
  live_.push_back(s);
  return true;
}

void EventStreams::release(const std::shared_ptr<event::Subscription>& s) {
  s->close();
  std::lock_guard lock(mu_);
  live_.erase(std::remove(live_.begin(), live_.end(), s), live_.end());
}

void EventStreams::close_all() {
  std::lock_guard lock(mu_);
  for (const auto& s : live_) s->close();
}

void stream_events(ApiCall& c) {
  json params = {{"filter", c.req.get_param_value("filter")}};
  if (!c.who.admin) {
    params["owner"] = c.who.username;
  } else if (c.req.has_param("owner")) {
    params["owner"] = c.req.get_param_value("owner");
  }
  if (c.req.has_param("queue")) {
    auto q = int_param(c.req, "queue", 0, static_cast<long long>(event::kMaxQueue));
    if (!q || *q < 1) return reply_error(c.res, "invalid_argument", "queue: 1..100000");
    params["queue"] = *q;
  }
  std::shared_ptr<CoreBridge> bridge = c.impl.bridge;
  if (!bridge) return reply_error(c.res, "unavailable", "the server is stopping");
  const control::CommandRegistry* registry = &c.impl.registry;
  auto opened = bridge->run<Opened>(
      [registry, params]() -> Opened {
        const control::StreamHandler* h = registry->stream("console.subscribe");
        if (h == nullptr) return control::CommandError{"not_found", "no console here"};
        try {
          return (*h)(params, {});
        } catch (const control::CommandFailure& f) {
          return f.error();
        } catch (const std::exception& e) {
          return control::CommandError{"invalid_argument", e.what()};
        }
      },
      c.impl.current_options().core_timeout);
  if (!opened) return reply_error(c.res, "unavailable", "the core thread did not answer in time");
  if (auto* err = std::get_if<control::CommandError>(&*opened))
    return reply_error(c.res, err->code, err->message);
  auto& ok = std::get<control::StreamOpened>(*opened);
  std::shared_ptr<event::Subscription> sub = ok.subscription;
  const std::size_t threads = c.impl.current_options().threads;
  if (!c.impl.streams.admit(sub, std::max<std::size_t>(1, threads > 1 ? threads - 1 : 1))) {
    sub->close();
    return reply_error(c.res, "limit_reached", "too many event streams; try again later");
  }
  EventStreams* streams = &c.impl.streams;
  auto first = std::make_shared<std::string>(sse("subscribed", ok.result.dump()));
  auto last_write = std::make_shared<std::chrono::steady_clock::time_point>();
  c.res.set_header("Cache-Control", "no-cache");
  c.res.set_header("X-Accel-Buffering", "no");
  c.res.set_chunked_content_provider(
      "text/event-stream",
      [sub, first, last_write](std::size_t, httplib::DataSink& sink) {
        if (!first->empty()) {
          std::string head = std::move(*first);
          first->clear();
          *last_write = std::chrono::steady_clock::now();
          return sink.write(head.data(), head.size());
        }
        if (sub->closed() || !sink.is_writable()) return false;
        std::string out;
        if (sub->wait(kPoll)) {
          auto batch = sub->take(kBatch);
          if (batch.dropped != 0) {
            const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
            out += sse("dropped",
                       control::dropped_json(batch.dropped, batch.dropped_total, now).dump());
          }
          for (const auto& e : batch.events)
            out += sse(
                "", control::event_json(*e).dump(-1, ' ', false, json::error_handler_t::replace));
        } else if (std::chrono::steady_clock::now() - *last_write >= kKeepalive) {
          out = ": keepalive\n\n";
        }
        if (out.empty()) return true;
        *last_write = std::chrono::steady_clock::now();
        return sink.write(out.data(), out.size());
      },
      [streams, sub](bool) { streams->release(sub); });
}

}  // namespace sip::http
