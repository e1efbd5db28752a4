#include "sip/event/bus.hpp"

#include <algorithm>
#include <chrono>

#include "sip/base/clock.hpp"

namespace sip::event {

Subscription::Subscription(Filter filter, std::int64_t owner, std::size_t capacity)
    : filter_(std::move(filter)),
      owner_(owner),
      capacity_(std::clamp<std::size_t>(capacity, 1, kMaxQueue)) {}

void Subscription::offer(const std::shared_ptr<const Event>& e) {
  if (owner_ != 0 && e->owner_id != owner_) return;
  if (!filter_.matches(*e)) return;
  bool was_empty = false;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    was_empty = queue_.empty();
    if (queue_.size() >= capacity_) {
      queue_.pop_front();
      ++dropped_;
      ++dropped_total_;
    }
    queue_.push_back(e);
  }
  if (was_empty) {
    cv_.notify_all();
    if (notify_) notify_();
  }
}

Subscription::Batch Subscription::take(std::size_t max) {
  Batch b;
  std::lock_guard lock(mu_);
  const std::size_t n = std::min(max, queue_.size());
  b.events.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    b.events.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  b.dropped = dropped_;
  b.dropped_total = dropped_total_;
  dropped_ = 0;
  return b;
}

bool Subscription::wait(std::chrono::milliseconds limit) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, limit, [this] { return !queue_.empty() || dropped_ != 0 || closed_; });
  return !queue_.empty() || dropped_ != 0;
}

void Subscription::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    queue_.clear();
  }
  cv_.notify_all();
}

bool Subscription::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void Bus::sweep() {
  const auto gone =
      std::remove_if(subs_.begin(), subs_.end(), [](const auto& s) { return s->closed(); });
  if (gone == subs_.end()) return;
  subs_.erase(gone, subs_.end());
  mask_ = 0;
  for (const auto& s : subs_) mask_ |= s->filter().type_mask();
  if ((mask_ & type_bit(Type::Sip)) == 0) {
    call_owners_.clear();
    call_order_.clear();
  }
}

void Bus::emit(Event e) {
  if (!wants(e.type)) return;
  if (e.time == 0) {
    e.time = wall_ != nullptr ? wall_->unix_millis()
                              : std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
  }
  auto shared = std::make_shared<const Event>(std::move(e));
  bool any_closed = false;
  for (const auto& s : subs_) {
    if (s->closed()) {
      any_closed = true;
      continue;
    }
    s->offer(shared);
  }
  if (any_closed) sweep();
}

std::shared_ptr<Subscription> Bus::subscribe(Filter filter, std::int64_t owner,
                                             std::size_t capacity, std::function<void()> notify) {
  sweep();
  auto s = std::make_shared<Subscription>(std::move(filter), owner, capacity);
  s->set_notify(std::move(notify));
  mask_ |= s->filter().type_mask();
  subs_.push_back(s);
  return s;
}

std::size_t Bus::subscribers() const {
  return static_cast<std::size_t>(
      std::count_if(subs_.begin(), subs_.end(), [](const auto& s) { return !s->closed(); }));
}

void Bus::note_call(std::string_view call_id, std::int64_t owner_id, std::string_view owner) {
  if (call_id.empty() || !wants(Type::Sip)) return;
  auto [it, fresh] = call_owners_.try_emplace(std::string(call_id));
  it->second = Owner{owner_id, std::string(owner)};
  if (!fresh) return;
  call_order_.push_back(it->first);
  if (call_order_.size() > kRememberedCalls) {
    call_owners_.erase(call_order_.front());
    call_order_.pop_front();
  }
}

const Bus::Owner* Bus::owner_of_call(std::string_view call_id) const {
  auto it = call_owners_.find(std::string(call_id));
  return it == call_owners_.end() ? nullptr : &it->second;
}

}  // namespace sip::event
