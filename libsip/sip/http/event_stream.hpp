// GET /api/v1/events: the live console as Server-Sent Events
// (docs/console.md), with the API's credentials: a customer's stream is
// always scoped to its own events; an admin may name one with ?owner=.
// ?filter= is the console filter language, ?queue= the events kept for a
// slow reader. The subscription is opened on the core thread by the
// control socket's console.subscribe (one implementation); the worker
// thread then waits on its queue. Streams hold a worker thread each, so at
// most threads-1 (at least 1) run at once; stop() ends them all.
// Thread-safety: EventStreams is thread-safe (one mutex).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace sip::event {
class Subscription;
}

namespace sip::http {

struct ApiCall;

class EventStreams {
 public:
  // Registers a stream; false when `max` are running.
  bool admit(const std::shared_ptr<event::Subscription>& s, std::size_t max);
  void release(const std::shared_ptr<event::Subscription>& s);
  // Closes every stream's subscription (their workers then return).
  void close_all();

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<event::Subscription>> live_;
};

void stream_events(ApiCall& c);

}  // namespace sip::http
