#include "sip/dns/lookup.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "sip/base/ci.hpp"
#include "sip/dns/errors.hpp"

namespace sip::dns {
namespace {

using transport::Kind;

// One name to expand to addresses, with the transport and port to use.
struct Candidate {
  Kind kind = Kind::Udp;
  std::string name;
  std::uint16_t port = 0;
  std::uint32_t ttl = kNoExpiry;  // smallest TTL of the records that led here
};

struct SrvStage {
  std::vector<std::pair<Kind, std::string>> names;  // SRV owner names with their transport
  std::vector<AnswerPtr> answers;
  std::size_t pending = 0;
  std::uint32_t ttl_cap = kNoExpiry;
  Kind fallback_kind = Kind::Udp;  // A/AAAA fallback when no SRV record exists
};

struct AddressStage {
  std::vector<Candidate> candidates;
  std::vector<std::string> names;               // distinct candidate names
  std::vector<RecordType> types;                // per family order
  std::vector<std::vector<AnswerPtr>> answers;  // [name][type]
  std::size_t pending = 0;
};

std::vector<RecordType> family_types(Family f) {
  switch (f) {
    case Family::Ipv4Only: return {RecordType::A};
    case Family::Ipv6Only: return {RecordType::Aaaa};
    case Family::Ipv4First: return {RecordType::A, RecordType::Aaaa};
    case Family::Ipv6First: return {RecordType::Aaaa, RecordType::A};
  }
  return {RecordType::A};
}

Failure transient_failure(AnswerStatus s) {
  return s == AnswerStatus::Timeout ? Failure::Timeout : Failure::ServerFailure;
}

class Lookup : public std::enable_shared_from_this<Lookup> {
 public:
  Lookup(QuerySource& source, const LookupConfig& config, Query q, TargetsFn done)
      : source_(source), config_(config), q_(std::move(q)), done_(std::move(done)) {}

  void start() {
    if (auto t = numeric_target(q_)) return finish({*t});
    const auto kind = default_kind(q_, config_.transports);
    if (!kind) return fail(Failure::BadInput);
    if (q_.port != 0) {  // explicit port: A/AAAA only (4.2)
      return expand({Candidate{*kind, q_.host, q_.port, kNoExpiry}});
    }
    if (q_.transport) {  // explicit transport: SRV for it, then A/AAAA (4.1, 4.2)
      return query_srv({{*kind, srv_name(*kind, q_.host)}}, kNoExpiry, *kind);
    }
    auto self = shared_from_this();
    source_.query(RecordType::Naptr, q_.host, [self](AnswerPtr a) { self->on_naptr(*a); });
  }

 private:
  void on_naptr(const Answer& a) {
    if (is_transient(a.status)) return fail(transient_failure(a.status));
    std::vector<NaptrChoice> choices;
    if (a.status == AnswerStatus::Ok) choices = select_naptr(a.naptr, q_.sips, config_.transports);
    if (!choices.empty()) {
      std::vector<std::pair<Kind, std::string>> names;
      for (auto& c : choices) names.emplace_back(c.kind, std::move(c.srv_name));
      const Kind first = names.front().first;
      return query_srv(std::move(names), a.ttl, first);
    }
    std::vector<std::pair<Kind, std::string>> names;
    for (const Kind k : srv_fallback_kinds(q_.sips, config_.transports)) {
      names.emplace_back(k, srv_name(k, q_.host));
    }
    query_srv(std::move(names), kNoExpiry, *default_kind(q_, config_.transports));
  }

  void query_srv(std::vector<std::pair<Kind, std::string>> names, std::uint32_t ttl_cap,
                 Kind fallback_kind) {
    auto stage = std::make_shared<SrvStage>();
    stage->names = std::move(names);
    stage->answers.resize(stage->names.size());
    stage->pending = stage->names.size();
    stage->ttl_cap = ttl_cap;
    stage->fallback_kind = fallback_kind;
    if (stage->pending == 0) return on_srv(*stage);
    auto self = shared_from_this();
    for (std::size_t i = 0; i < stage->names.size(); ++i) {
      source_.query(RecordType::Srv, stage->names[i].second, [self, stage, i](AnswerPtr a) {
        stage->answers[i] = std::move(a);
        if (--stage->pending == 0) self->on_srv(*stage);
      });
    }
  }

  void on_srv(const SrvStage& stage) {
    std::vector<Candidate> candidates;
    Failure transient = Failure::None;
    bool declined = false;  // an SRV set exists but offers no target (".")
    for (std::size_t i = 0; i < stage.answers.size(); ++i) {
      const Answer& a = *stage.answers[i];
      if (is_transient(a.status)) transient = transient_failure(a.status);
      if (a.status != AnswerStatus::Ok) continue;
      if (a.srv.empty()) declined = true;
      const std::uint32_t ttl = std::min(stage.ttl_cap, a.ttl);
      for (auto& r : order_srv(a.srv, config_.random)) {
        candidates.push_back(Candidate{stage.names[i].first, std::move(r.target), r.port, ttl});
      }
    }
    if (!candidates.empty()) return expand(std::move(candidates));
    if (transient != Failure::None) return fail(transient);
    if (declined) return fail(Failure::NoRecords);
    const Kind k = stage.fallback_kind;
    expand({Candidate{k, q_.host, transport::default_port(k), stage.ttl_cap}});
  }

  void expand(std::vector<Candidate> candidates) {
    if (candidates.size() > config_.max_targets) candidates.resize(config_.max_targets);
    auto stage = std::make_shared<AddressStage>();
    stage->types = family_types(config_.family);
    for (const auto& c : candidates) {
      const bool seen = std::any_of(stage->names.begin(), stage->names.end(),
                                    [&](const std::string& n) { return ci_equal(n, c.name); });
      if (!seen) stage->names.push_back(c.name);
    }
    stage->candidates = std::move(candidates);
    stage->answers.assign(stage->names.size(), std::vector<AnswerPtr>(stage->types.size()));
    stage->pending = stage->names.size() * stage->types.size();
    auto self = shared_from_this();
    for (std::size_t n = 0; n < stage->names.size(); ++n) {
      for (std::size_t t = 0; t < stage->types.size(); ++t) {
        source_.query(stage->types[t], stage->names[n], [self, stage, n, t](AnswerPtr a) {
          stage->answers[n][t] = std::move(a);
          if (--stage->pending == 0) self->on_addresses(*stage);
        });
      }
    }
  }

  void on_addresses(const AddressStage& stage) {
    std::vector<Target> targets;
    Failure transient = Failure::None;
    bool all_nxdomain = true;
    for (const auto& c : stage.candidates) {
      const auto n = static_cast<std::size_t>(
          std::find_if(stage.names.begin(), stage.names.end(),
                       [&](const std::string& s) { return ci_equal(s, c.name); }) -
          stage.names.begin());
      for (const auto& answer : stage.answers[n]) {
        const Answer& a = *answer;
        if (is_transient(a.status)) transient = transient_failure(a.status);
        if (a.status != AnswerStatus::NxDomain) all_nxdomain = false;
        if (a.status != AnswerStatus::Ok) continue;
        for (auto address : a.addresses) {
          address.port = c.port;
          Target t{c.kind, address, q_.host, std::min(c.ttl, a.ttl)};
          const bool dup = std::any_of(targets.begin(), targets.end(), [&](const Target& o) {
            return o.kind == t.kind && o.address == t.address;
          });
          if (!dup && targets.size() < config_.max_targets) targets.push_back(std::move(t));
        }
      }
    }
    if (!targets.empty()) return finish(std::move(targets));
    if (transient != Failure::None) return fail(transient);
    fail(all_nxdomain ? Failure::NameError : Failure::NoRecords);
  }

  void fail(Failure f) { deliver(make_failure(f)); }
  void finish(std::vector<Target> targets) { deliver(std::move(targets)); }
  void deliver(Result<std::vector<Target>> r) {
    if (!done_) return;
    TargetsFn done = std::move(done_);
    done_ = nullptr;
    done(std::move(r));
  }

  QuerySource& source_;
  const LookupConfig& config_;
  Query q_;
  TargetsFn done_;
};

}  // namespace

void run_lookup(QuerySource& source, const LookupConfig& config, Query q, TargetsFn done) {
  std::make_shared<Lookup>(source, config, std::move(q), std::move(done))->start();
}

}  // namespace sip::dns
