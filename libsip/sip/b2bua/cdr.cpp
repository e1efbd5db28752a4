// CDR records and call events of the call manager.
#include <chrono>

#include "sip/b2bua/call_impl.hpp"
#include "sip/b2bua/cdr_durations.hpp"
#include "sip/b2bua/events.hpp"
#include "sip/base/random.hpp"

namespace sip::b2bua {

std::int64_t CallManager::Impl::now_ms() const {
  return svc.wall->unix_millis();
}

std::string CallManager::Impl::socket_text(transport::Kind kind, std::string_view address) {
  std::string out(transport::kind_name(kind));
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  out.push_back(':');
  out.append(address);
  return out;
}

store::Cdr CallManager::Impl::new_cdr(store::Id owner, std::string_view direction) const {
  store::Cdr c;
  c.id = random_token(32);
  c.owner_id = owner;
  c.direction = std::string(direction);
  c.created = now_ms();
  return c;
}

void CallManager::Impl::write_cdr(const store::Cdr& cdr) {
  if (!config.cdrs || svc.cdrs == nullptr) return;
  svc.cdrs->write(finished_cdr(cdr));
}

void set_cdr_durations(store::Cdr& c) noexcept {
  c.ring_duration = c.progress_at != 0 && c.answered_at >= c.progress_at
                        ? static_cast<int>((c.answered_at - c.progress_at) / 1000)
                        : 0;
  c.talk_duration = c.answered_at != 0 && c.hungup_at >= c.answered_at
                        ? static_cast<int>((c.hungup_at - c.answered_at) / 1000)
                        : 0;
}

store::Cdr CallManager::Impl::finished_cdr(const store::Cdr& cdr) {
  store::Cdr c = cdr;
  set_cdr_durations(c);
  ++stats.cdrs_written;
  return c;
}

void CallManager::Impl::event(const Call& call, CallEvent::Kind kind, int status,
                              std::string_view reason) {
  emit_call(svc.events, call, kind, status, reason);
  if (!svc.on_event) return;
  CallEvent e;
  e.kind = kind;
  e.bridge_id = call.cdr.bridge_id;
  e.owner = call.owner;
  e.call_id = call.a.call_id;
  e.status = status;
  e.reason = std::string(reason);
  svc.on_event(e);
}

}  // namespace sip::b2bua
