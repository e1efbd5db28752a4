// QueuePersistence: the registrar's binding writes through the store's
// WriteQueue, refreshes written behind in batches (engine_impl.hpp).
#include <utility>
#include <vector>

#include "sip/base/log.hpp"
#include "sip/engine/engine_impl.hpp"

namespace sip::engine {
namespace {

bool unreachable(const Result<void>& r) {
  return !r && (r.error().code == Errc::network || r.error().code == Errc::timed_out);
}

}  // namespace

QueuePersistence::~QueuePersistence() {
  if (timer_ != 0) timers_.cancel(timer_);
}

void QueuePersistence::save(const store::Binding& binding, std::function<void(Result<void>)> done) {
  forget(binding.account_id, binding.contact_key);
  auto shared_done = std::make_shared<std::function<void(Result<void>)>>(std::move(done));
  auto r = queue_.submit([b = binding](store::Store& s) { return s.bindings().upsert(b); },
                         [shared_done](Result<void> result) {
                           if (*shared_done) (*shared_done)(std::move(result));
                         });
  if (!r && *shared_done) (*shared_done)(r.error());
}

void QueuePersistence::erase(store::Id account_id, const std::string& contact_key,
                             std::function<void(Result<void>)> done) {
  forget(account_id, contact_key);
  auto shared_done = std::make_shared<std::function<void(Result<void>)>>(std::move(done));
  auto r = queue_.submit([account_id, key = contact_key](
                             store::Store& s) { return s.bindings().remove(account_id, key); },
                         [shared_done](Result<void> result) {
                           if (*shared_done) (*shared_done)(std::move(result));
                         });
  if (!r && *shared_done) (*shared_done)(r.error());
}

bool QueuePersistence::save_behind(const store::Binding& binding) {
  if (window_.count() <= 0) return false;
  auto [it, added] = pending_.try_emplace(Key{binding.account_id, binding.contact_key}, binding);
  if (!added) it->second = binding;  // a newer refresh of the same binding
  if (timer_ == 0) {
    timer_ = timers_.start(window_, [this] {
      timer_ = 0;
      flush();
    });
  }
  return true;
}

void QueuePersistence::forget(store::Id account_id, const std::string& contact_key) {
  if (pending_.empty()) return;
  pending_.erase(Key{account_id, contact_key});
}

void QueuePersistence::flush() {
  if (timer_ != 0) {
    timers_.cancel(timer_);
    timer_ = 0;
  }
  if (pending_.empty()) return;
  auto batch = std::make_shared<std::vector<store::Binding>>();
  batch->reserve(pending_.size());
  for (auto& [key, b] : pending_) batch->push_back(std::move(b));
  pending_.clear();
  // One failing row (its account was removed meanwhile) does not hold back
  // the others; an unreachable store fails the job so the queue replays it.
  auto r = queue_.submit(
      [batch](store::Store& s) -> Result<void> {
        std::size_t failed = 0;
        for (const auto& b : *batch) {
          auto w = s.bindings().upsert(b);
          if (unreachable(w)) return w;
          if (!w) ++failed;
        }
        if (failed != 0)
          log(LogLevel::Warn, "registrar",
              std::to_string(failed) + " binding refreshes not stored (their rows are gone)");
        return {};
      },
      [](Result<void> result) {
        if (!result)
          log(LogLevel::Warn, "registrar",
              "binding refreshes not stored: " + std::string(result.error().detail));
      });
  if (!r) {
    dropped_ += batch->size();
    log(LogLevel::Warn, "registrar",
        std::to_string(batch->size()) +
            " binding refreshes not stored (write queue full or stopped); "
            "their bindings keep the previous expiry in the store");
  }
}

}  // namespace sip::engine
