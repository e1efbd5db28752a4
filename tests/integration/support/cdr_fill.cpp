#include "support/cdr_fill.hpp"

#include <cstdio>
#include <stdexcept>

#include "sip/store/sqlite_store.hpp"

namespace sipsmith::itest {

sip::store::Cdr filled_cdr(int i) {
  sip::store::Cdr c;
  char id[40];
  std::snprintf(id, sizeof id, "%032d", i);
  c.id = id;
  c.owner_id = i % 5 == 4 ? 2 : 1;
  const bool in = i % 2 == 0;
  c.direction = in ? "in" : "out";
  if (in) {
    c.account = i % 4 == 0 ? "alice@sipsmith.test" : "bob@sipsmith.test";
  } else {
    c.account = i % 3 == 0 ? "voip1" : "carol@sipsmith.test";
  }
  c.dialplan = in ? "" : "demo-out";
  c.created = kFillBase + std::int64_t{i} * 1000;
  c.dst_user = "100" + std::to_string(i % 10);
  c.dst_host = "sipsmith.test";
  c.dst_uri = "sip:" + c.dst_user + "@sipsmith.test";
  c.from_user = "joe";
  c.from_name = i % 7 == 0 ? "Smith, Joe \"JJ\"" : "Joe";
  c.from_header = i % 7 == 0 ? "\"Smith, Joe \\\"JJ\\\"\" <sip:joe@example.net>;tag=" + c.id
                             : "\"Joe\" <sip:joe@example.net>;tag=" + c.id;
  c.call_id = "call-" + std::to_string(i) + "@192.0.2.1";
  c.bridge_id = "br-" + std::to_string(i / 2);
  c.local_socket = "udp:192.0.2.1:5060";
  c.remote_socket = "udp:198.51.100.7:5060";
  c.progress_at = c.created + 100;
  c.progress_status = 180;
  c.progress_reason = "Ringing";
  static constexpr int kStatus[10] = {200, 200, 200, 200, 200, 200, 200, 486, 487, 404};
  c.answer_status = kStatus[i % 10];
  if (c.answer_status == 200) {
    c.answer_reason = "OK";
    c.answered_at = c.created + 2100;
    c.talk_duration = i % 120;
    c.hungup_at = c.answered_at + std::int64_t{c.talk_duration} * 1000;
    c.ring_duration = 2;
    c.hangup_reason = "caller hung up";
  } else {
    c.answer_reason = c.answer_status == 486 ? "Busy Here" : "Not Found";
    c.hungup_at = c.created + 3000;
    c.hangup_reason = "failed";
  }
  return c;
}

void fill_cdrs(const std::string& path, int first, int count, int batch) {
  sip::store::SqliteOptions o;
  o.path = path;
  auto store = sip::store::open_sqlite(o);
  if (!store) throw std::runtime_error("cannot open " + path + ": " + store.error().to_string());
  for (const char* name : {"demo", "other"}) {
    if ((*store)->customers().find(name)) continue;
    sip::store::Customer c;
    c.username = name;
    if (auto r = (*store)->customers().add(c); !r)
      throw std::runtime_error("cannot add customer: " + r.error().to_string());
  }
  for (int done = 0; done < count;) {
    const int n = std::min(batch, count - done);
    auto r = (*store)->transaction([&]() -> sip::Result<void> {
      for (int k = 0; k < n; ++k)
        if (auto w = (*store)->cdrs().upsert(filled_cdr(first + done + k)); !w) return w;
      return {};
    });
    if (!r) throw std::runtime_error("cannot write cdrs: " + r.error().to_string());
    done += n;
  }
}

}  // namespace sipsmith::itest
