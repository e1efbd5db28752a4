// Contact processing of an authorised REGISTER (RFC 3261 10.3 steps 6-8):
// expiry policy, Contact: *, per-contact removal, keying by +sip.instance or
// URI equality, the Call-ID/CSeq ordering rule and the per-account limit
// that evicts the oldest binding. The changes are persisted first; memory is
// updated and 200 OK sent only when every change is durable (a refresh that
// moves only the expiry counts as durable once Persistence::save_behind took
// it). One REGISTER per account is in flight; later ones wait in a short
// queue.
#include <algorithm>

#include "sip/base/log.hpp"
#include "sip/registrar/registrar_impl.hpp"

namespace sip::registrar {
namespace {

constexpr std::string_view kLog = "registrar";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

// A binding as this REGISTER leaves it.
struct Work {
  std::uint64_t serial = 0;  // 0: new in this request
  store::Binding b;
  enum class Action : std::uint8_t { Keep, Save, Remove } action = Action::Keep;
  RemovalReason reason = RemovalReason::ClientExpiredSpecific;
};

bool same_contact(const store::Binding& b, std::string_view instance, const uri::UriView& u) {
  if (!instance.empty() || !b.instance_id.empty()) return b.instance_id == instance;
  const auto stored = uri::parse_uri(b.contact_uri);
  return stored && uri::uri_equal(*stored, u);
}

// A refresh that moves only the expiry (and the Call-ID/CSeq that order it):
// what Persistence::save_behind may take.
bool expiry_only(const Change& c) {
  if (c.op != Change::Op::Refresh || !c.previous) return false;
  const store::Binding& a = c.binding;
  const store::Binding& b = *c.previous;
  return a.account_id == b.account_id && a.contact_key == b.contact_key &&
         a.contact_uri == b.contact_uri && a.mangled_uri == b.mangled_uri &&
         a.instance_id == b.instance_id && a.user_agent == b.user_agent && a.q == b.q &&
         a.transport == b.transport && a.remote == b.remote && a.local == b.local &&
         a.registered == b.registered;
}

}  // namespace

void Registrar::Impl::submit(Request r) {
  AccountState& st = accounts[r.account_id];
  if (!st.in_flight) return process(std::move(r));
  if (st.queue.size() >= kMaxQueuedPerAccount) {
    auto b = response(r, 500, "Registrar busy");
    b.header("Retry-After", "1");
    ++stats.rejected;
    return send(r, b);
  }
  st.queue.push_back(std::move(r));
}

void Registrar::Impl::next_in_queue(store::Id account) {
  for (;;) {
    const auto it = accounts.find(account);
    if (it == accounts.end() || it->second.in_flight || it->second.queue.empty()) return;
    Request r = std::move(it->second.queue.front());
    it->second.queue.pop_front();
    process(std::move(r));
  }
}

void Registrar::Impl::process(Request r) {
  const msg::Message& m = r.in.message;
  const store::SipAccount* account = directory.get(r.account_id);
  if (account == nullptr || account->disabled) return reply(r, 403, "Forbidden");
  const auto cseq = m.cseq();
  if (!cseq) return reply(r, 400, "Invalid CSeq");
  const std::string_view call_id = m.call_id();
  if (m.first(msg::HeaderId::Contact) == nullptr) {  // a query (10.3 step 6)
    ++stats.ok;
    return reply_ok(r);
  }

  const std::int64_t now = this->now();
  const auto header_expires = m.expires();
  const std::string_view user_agent = m.value(msg::HeaderId::UserAgent);
  std::chrono::seconds cap = config.max_expires;
  if (const auto ua_cap = ua_rules.cap(user_agent)) cap = std::min(cap, *ua_cap);
  cap = std::max(cap, config.min_expires);  // a rule below the minimum cannot undercut it

  AccountState& st = accounts[r.account_id];
  std::vector<Work> work;
  work.reserve(st.serials.size() + 2);
  for (std::uint64_t serial : st.serials) work.push_back({serial, slots.at(serial).b});
  // 10.3 step 7: the same Call-ID with a CSeq not above the stored one aborts
  // the whole request. We answer 500 (the RFC says only "fails"): a stale
  // retransmission then changes nothing and a confused UA retries later.
  const auto out_of_order = [&](const store::Binding& b) {
    return b.call_id == call_id && cseq->number <= b.cseq;
  };

  // Each Contact parsed once (on_register checked them all).
  std::vector<msg::ContactValue> contacts;
  bool star = false;
  m.for_each(msg::HeaderId::Contact, [&](const msg::HeaderField& f) {
    if (auto c = m.contact_at(f)) {
      star = star || c->star;
      contacts.push_back(*c);
    }
  });
  if (star) {
    for (Work& w : work) {
      if (out_of_order(w.b)) return reply(r, 500, "Out of order CSeq");
      w.action = Work::Action::Remove;
      w.reason = RemovalReason::ClientExpiredAll;
    }
  } else {
    // 423 before any change.
    const std::chrono::seconds dflt = config.default_expires;
    std::vector<std::uint32_t> requested;
    for (const msg::ContactValue& c : contacts) {
      const std::uint32_t e = c.expires().value_or(
          header_expires ? *header_expires : static_cast<std::uint32_t>(dflt.count()));
      if (e > 0 && e < config.min_expires.count()) {
        auto b = response(r, 423, "Interval Too Brief");
        b.header("Min-Expires", std::to_string(config.min_expires.count()));
        ++stats.rejected;
        return send(r, b);
      }
      requested.push_back(e);
    }
    const transport::Origin& o = r.in.origin;
    std::size_t i = 0;
    for (const msg::ContactValue& c : contacts) {
      const std::uint32_t e = requested[i++];
      const uri::UriView& u = c.addr.uri;
      const std::string_view instance = c.addr.param("+sip.instance").value_or("");
      auto w = std::find_if(work.begin(), work.end(), [&](const Work& x) {
        return x.action != Work::Action::Remove && same_contact(x.b, instance, u);
      });
      if (w != work.end() && w->serial != 0 && out_of_order(w->b))
        return reply(r, 500, "Out of order CSeq");
      if (e == 0) {
        if (w == work.end()) continue;
        if (w->serial == 0) {
          work.erase(w);
        } else {
          w->action = Work::Action::Remove;
          w->reason = RemovalReason::ClientExpiredSpecific;
        }
        continue;
      }
      if (w == work.end()) {
        work.push_back({});
        w = work.end() - 1;
        w->b.account_id = r.account_id;
        w->b.contact_key = instance.empty() ? std::string(u.text) : std::string(instance);
        w->b.registered = now;
      }
      w->action = Work::Action::Save;
      store::Binding& b = w->b;
      b.contact_uri = std::string(u.text);
      b.mangled_uri = mangle_contact(u, o.remote, o.kind, account->dont_mangle);
      b.instance_id = std::string(instance);
      b.user_agent = std::string(user_agent.substr(0, kMaxUserAgent));
      b.call_id = std::string(call_id);
      b.cseq = cseq->number;
      b.q = c.q() ? parse_qvalue(*c.q()).value_or(1.0f) : 1.0f;
      b.transport = lower(transport::kind_name(o.kind));
      b.remote = o.remote.to_string();
      b.local = o.local.to_string();
      b.updated = now;
      b.expires = now + std::min<std::int64_t>(e, cap.count());
    }
    const auto named = std::count_if(work.begin(), work.end(),
                                     [](const Work& w) { return w.action == Work::Action::Save; });
    if (static_cast<std::size_t>(named) > config.max_bindings)
      return reply(r, 403, "Too many contacts");
  }

  // The per-account limit: evict the oldest (least recently registered or
  // refreshed) existing bindings, those this request does not name first.
  auto live = static_cast<std::size_t>(std::count_if(
      work.begin(), work.end(), [](const Work& w) { return w.action != Work::Action::Remove; }));
  while (live > config.max_bindings) {
    Work* oldest = nullptr;
    const auto older = [](const Work& a, const Work& b) {
      const bool a_named = a.action == Work::Action::Save, b_named = b.action == Work::Action::Save;
      if (a_named != b_named) return !a_named;
      if (a.b.updated != b.b.updated) return a.b.updated < b.b.updated;
      return a.b.registered < b.b.registered;
    };
    for (Work& w : work)
      if (w.serial != 0 && w.action != Work::Action::Remove && (!oldest || older(w, *oldest)))
        oldest = &w;
    if (oldest == nullptr) break;  // cannot happen: named contacts <= max_bindings
    oldest->action = Work::Action::Remove;
    oldest->reason = RemovalReason::ExceededPerUserLimit;
    --live;
  }

  auto plan = std::make_shared<Plan>();
  for (Work& w : work) {
    if (w.action == Work::Action::Keep) continue;
    Change ch;
    if (w.action == Work::Action::Remove) {
      if (w.serial == 0) continue;
      ch.op = Change::Op::Remove;
      ch.reason = w.reason;
      ch.binding = std::move(w.b);
    } else {
      ch.op = w.serial == 0 ? Change::Op::Add : Change::Op::Refresh;
      if (w.serial != 0) ch.previous = slots.at(w.serial).b;
      ch.binding = std::move(w.b);
      ch.kind = r.in.origin.kind;
      ch.source = r.in.origin.remote;
      ch.flow = r.in.origin.flow;
    }
    plan->changes.push_back(std::move(ch));
  }
  if (plan->changes.empty()) {
    ++stats.ok;
    return reply_ok(r);
  }
  plan->req = std::move(r);
  st.in_flight = plan;
  busy.insert(plan->req.account_id);
  persist(plan);
}

void Registrar::Impl::persist(const std::shared_ptr<Plan>& plan) {
  // Refreshes the Persistence writes behind count as persisted now; the plan
  // waits for the others only (and finishes here when there are none).
  plan->pending = 1;
  for (Change& c : plan->changes)
    if (expiry_only(c) && persistence.save_behind(c.binding)) c.persisted = true;
  std::weak_ptr<int> token = alive;
  for (std::size_t i = 0; i < plan->changes.size(); ++i) {
    if (plan->changes[i].persisted) continue;
    ++plan->pending;
    auto done = [this, token, plan, i](Result<void> result) {
      if (token.expired()) return;
      if (result) {
        plan->changes[i].persisted = true;
      } else {
        plan->failed = true;
        log(LogLevel::Error, kLog, "binding not stored: " + result.error().to_string());
      }
      if (--plan->pending == 0) finish(plan);
    };
    const Change& c = plan->changes[i];
    if (c.op == Change::Op::Remove)
      persistence.erase(c.binding.account_id, c.binding.contact_key, std::move(done));
    else
      persistence.save(c.binding, std::move(done));
  }
  if (--plan->pending == 0) finish(plan);
}

void Registrar::Impl::finish(const std::shared_ptr<Plan>& plan) {
  const store::Id account = plan->req.account_id;
  accounts[account].in_flight.reset();
  busy.erase(account);
  if (plan->failed) {
    compensate(*plan);
    ++stats.persist_failures;
    reply(plan->req, 500, "Binding not stored");
  } else {
    for (Change& c : plan->changes) {
      const std::uint64_t serial = find(account, c.binding.contact_key);
      if (c.op == Change::Op::Remove) {
        if (serial == 0) continue;
        drop(serial);
        if (c.reason == RemovalReason::ExceededPerUserLimit) ++stats.evicted;
        emit(BindingEvent::Kind::Removed, c.binding, c.reason);
        continue;
      }
      if (serial != 0) {
        update(serial, c.binding, c.kind, c.source, c.flow);
      } else {
        Slot s;
        s.b = c.binding;
        s.kind = c.kind;
        s.source = c.source;
        s.flow = c.flow;
        insert(std::move(s));
      }
      emit(c.op == Change::Op::Add ? BindingEvent::Kind::Added : BindingEvent::Kind::Refreshed,
           c.binding, RemovalReason::Expired);
    }
    arm_sweep();
    ++stats.ok;
    reply_ok(plan->req);
    // Its connection closed meanwhile: nothing can reach these bindings.
    if (plan->req.flow_closed) {
      for (const Change& c : plan->changes) {
        if (c.op == Change::Op::Remove) continue;
        if (const std::uint64_t serial = find(account, c.binding.contact_key); serial != 0)
          remove_binding(serial, RemovalReason::FlowClosed);
      }
    }
  }
  apply_deferred(account);
  next_in_queue(account);
}

void Registrar::Impl::compensate(const Plan& plan) {
  // Best effort: undo what did reach the store, so that memory and store
  // agree again (both keep the state before this REGISTER).
  const auto logged = [](Result<void> r) {
    if (!r) log(LogLevel::Error, kLog, "could not undo a binding change: " + r.error().to_string());
  };
  for (const Change& c : plan.changes) {
    if (!c.persisted) continue;
    switch (c.op) {
      case Change::Op::Add:
        persistence.erase(c.binding.account_id, c.binding.contact_key, logged);
        break;
      case Change::Op::Refresh: persistence.save(*c.previous, logged); break;
      case Change::Op::Remove: persistence.save(c.binding, logged); break;
    }
  }
}

void Registrar::Impl::reply_ok(Request& r) {
  auto b = response(r, 200, "OK");
  const std::int64_t now = this->now();
  if (const auto it = accounts.find(r.account_id); it != accounts.end()) {
    std::string v;
    for (std::uint64_t serial : it->second.serials) {
      const store::Binding& binding = slots.at(serial).b;
      v.assign("<").append(binding.contact_uri).append(">;expires=");
      v.append(std::to_string(std::max<std::int64_t>(binding.expires - now, 0)));
      if (!binding.instance_id.empty())
        v.append(";+sip.instance=\"").append(binding.instance_id).append("\"");
      b.header("Contact", v);
    }
  }
  b.header("Date", http_date(now));
  send(r, b);
}

}  // namespace sip::registrar
