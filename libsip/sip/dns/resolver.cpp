#include "sip/dns/resolver.hpp"

#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "sip/dns/ares_engine.hpp"

namespace sip::dns {

// Core-thread bookkeeping: callbacks by request id. Completions reach it
// through a weak_ptr, so those posted after the resolver died are dropped.
struct Resolver::Core {
  struct Entry {
    Callback cb;
    bool in_engine = false;  // counts against max_pending
  };
  std::unordered_map<std::uint64_t, Entry> entries;
  std::uint64_t next_id = 1;
  std::size_t in_engine = 0;

  void complete(std::uint64_t id, Result<std::vector<Target>> r) {
    const auto it = entries.find(id);
    if (it == entries.end()) return;
    Entry e = std::move(it->second);
    entries.erase(it);
    if (e.in_engine) --in_engine;
    e.cb(std::move(r));
  }
};

Resolver::Resolver(ResolverOptions options, PostFn post)
    : post_(std::move(post)), max_pending_(options.max_pending), core_(std::make_shared<Core>()) {
  if (!post_) throw std::invalid_argument("dns: Resolver needs a post function");
  std::weak_ptr<Core> weak = core_;
  engine_ = std::make_unique<detail::AresEngine>(
      options, [weak, post = post_](std::uint64_t id, Result<std::vector<Target>> r) {
        post([weak, id, r = std::move(r)]() mutable {
          if (auto core = weak.lock()) core->complete(id, std::move(r));
        });
      });
}

Resolver::~Resolver() {
  engine_.reset();  // joins the worker: nothing is posted after this line
  core_.reset();    // drops undelivered callbacks here, on the core thread
}

void Resolver::deliver_later(std::uint64_t id, Result<std::vector<Target>> r) {
  std::weak_ptr<Core> weak = core_;
  post_([weak, id, r = std::move(r)]() mutable {
    if (auto core = weak.lock()) core->complete(id, std::move(r));
  });
}

void Resolver::resolve(const uri::UriView& target, Callback cb) {
  if (!cb) return;
  auto q = query_from_uri(target);
  if (!q) {
    const std::uint64_t id = core_->next_id++;
    core_->entries.emplace(id, Core::Entry{std::move(cb), false});
    return deliver_later(id, q.error());
  }
  resolve(std::move(q).value(), std::move(cb));
}

void Resolver::resolve(Query query, Callback cb) {
  if (!cb) return;
  const std::uint64_t id = core_->next_id++;
  if (auto t = numeric_target(query)) {  // RFC 3263 4.1/4.2: no lookup for an IP
    core_->entries.emplace(id, Core::Entry{std::move(cb), false});
    return deliver_later(id, std::vector<Target>{std::move(*t)});
  }
  if (core_->in_engine >= max_pending_) {
    core_->entries.emplace(id, Core::Entry{std::move(cb), false});
    return deliver_later(id, make_failure(Failure::Overloaded));
  }
  core_->entries.emplace(id, Core::Entry{std::move(cb), true});
  ++core_->in_engine;
  engine_->submit(id, std::move(query));
}

void Resolver::resolve_host(std::string_view host, std::uint16_t port, transport::Kind kind,
                            Callback cb) {
  if (!cb) return;
  auto q = make_query(host, port, kind, false);
  if (!q) {
    const std::uint64_t id = core_->next_id++;
    core_->entries.emplace(id, Core::Entry{std::move(cb), false});
    return deliver_later(id, q.error());
  }
  resolve(std::move(q).value(), std::move(cb));
}

std::size_t Resolver::pending() const noexcept {
  return core_->entries.size();
}

ResolverStats Resolver::stats() const noexcept {
  return ResolverStats{engine_->queries_sent(), engine_->cache_hits()};
}

}  // namespace sip::dns
