// Fixture for the call manager tests: a real CallManager and Registrar on a
// real TransactionLayer over the transaction tests' FakeSender and a
// ManualTimerService (time moves only in advance()). CallUser hands requests
// up as the engine's dispatcher does: REGISTER to the registrar; INVITEs,
// requests with a To tag, 2xx ACKs, CANCELs and stray responses to the call
// manager. The Directory holds customer "demo" (domain sipsmith.test),
// accounts authenticated by IP ACL (127.0.0.0/8) or digest, and dial plans;
// phones get bindings by REGISTERing through the layer. CDRs are recorded.
// Deterministic: no DNS resolver unless a test passes one to start_calls()
// (binding legs need none), no sleeps.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../registrar/registrar_test_support.hpp"
#include "../transaction/txn_test_support.hpp"
#include "sip/auth/digest.hpp"
#include "sip/auth/nonce_service.hpp"
#include "sip/b2bua/call_manager.hpp"
#include "sip/directory/directory.hpp"
#include "sip/message/builder.hpp"
#include "sip/registrar/registrar.hpp"

namespace sip::b2bua::test {

using namespace std::chrono_literals;
using registrar::test::kDomain;
using registrar::test::kPassword;
using txn::test::parse;
using txn::test::SentMessage;

inline constexpr std::string_view kLocal = "192.0.2.1:5060";      // where arrive() lands
inline constexpr std::string_view kCaller = "198.51.100.7:5060";  // an outside caller
inline constexpr std::string_view kDesk = "127.0.0.1:5070";       // 1001's phone (ACL)
inline constexpr std::string_view kBob1 = "127.0.0.21:5060";      // bob's phones
inline constexpr std::string_view kBob2 = "127.0.0.22:5060";
inline constexpr std::string_view kDave = "127.0.0.31:5060";  // dave's phone
inline constexpr std::string_view kOurContact = "<sip:sipsmith@192.0.2.1:5060>";
inline constexpr std::string_view kOffer =
    "v=0\r\no=alice 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0\r\n";
inline constexpr std::string_view kAnswer =
    "v=0\r\no=bob 2 2 IN IP4 203.0.113.50\r\ns=-\r\nc=IN IP4 203.0.113.50\r\nt=0 0\r\n"
    "m=audio 5000 RTP/AVP 0\r\n";

// Records every CDR write; the latest write of a leg is its record.
class RecordingCdrs final : public CdrSink {
 public:
  void write(store::Cdr cdr) override { writes.push_back(std::move(cdr)); }
  void write_batch(std::vector<store::Cdr> batch) override {
    ++batches;
    for (auto& c : batch) writes.push_back(std::move(c));
  }
  // The latest record of each leg (by id), in order of first write.
  std::vector<store::Cdr> latest(std::string_view direction = {}) const {
    std::vector<store::Cdr> out;
    for (const auto& w : writes) {
      if (!direction.empty() && w.direction != direction) continue;
      bool seen = false;
      for (auto& o : out)
        if (o.id == w.id) {
          o = w;
          seen = true;
        }
      if (!seen) out.push_back(w);
    }
    return out;
  }

  std::vector<store::Cdr> writes;
  int batches = 0;
};

// The engine dispatcher's routing (engine/dispatcher.cpp) without its RFC
// 3261 8.2 validation and source blocking, which are not under test here.
class CallUser final : public txn::TransactionUser {
 public:
  void on_request(txn::ServerTransaction txn, transport::Inbound&& in) override {
    const msg::Message& m = in.message;
    if (m.method() == msg::Method::Register) {
      registrar->on_register(std::move(txn), std::move(in));
      return;
    }
    const auto to = m.to();
    if (to && !to->tag().empty()) {
      calls->on_in_dialog(std::move(txn), std::move(in));
    } else if (m.method() == msg::Method::Invite) {
      calls->on_invite(std::move(txn), std::move(in));
    } else {
      (void)txn.respond(405, "Method Not Allowed");
    }
  }
  void on_ack_2xx(transport::Inbound&& in) override { calls->on_ack(std::move(in)); }
  void on_cancel(txn::ServerId invite, const msg::Message& /*cancel*/) override {
    calls->on_cancel(invite);
  }
  void on_stray_response(transport::Inbound&& in) override {
    calls->on_stray_response(std::move(in));
  }
  void on_server_failed(txn::ServerId id, txn::ServerFailure why) override {
    calls->on_server_failed(id, why);
  }

  registrar::Registrar* registrar = nullptr;
  CallManager* calls = nullptr;
};

// An INVITE from a caller, and what its later requests reuse.
struct Invite {
  std::string uri = "sip:bob@sipsmith.test";
  std::string from = "\"Alice\" <sip:alice@example.com>";
  std::string from_tag = "alice-1";
  std::string to = "<sip:bob@sipsmith.test>";
  std::string call_id = "call-1@198.51.100.7";
  std::string remote = std::string(kCaller);
  std::string branch = "z9hG4bKcaller1";
  std::uint32_t cseq = 1;
  std::string sdp = std::string(kOffer);
  std::vector<std::string> headers;  // "Name: value"
};

// An Out call from account 1001's desk phone (ACL) to `uri`.
inline Invite out_call(std::string uri = "sip:bob@sipsmith.test") {
  Invite i;
  i.uri = std::move(uri);
  i.from = "\"Desk\" <sip:1001@sipsmith.test>";
  i.from_tag = "desk-1";
  i.to = "<" + i.uri + ">";
  i.call_id = "out-1@127.0.0.1";
  i.remote = std::string(kDesk);
  i.branch = "z9hG4bKdesk1";
  return i;
}

struct RequestText {
  std::string method;
  std::string uri;
  std::string via;  // "ip:port" of the sender
  std::string branch;
  std::string from;  // with tag
  std::string to;    // with tag when in a dialog
  std::string call_id;
  std::uint32_t cseq = 1;
  std::string cseq_method;  // defaults to method
  std::vector<std::string> headers;
  std::string content_type;
  std::string body;
};

// A request's skeleton: method, request-URI, the sender's "ip:port", branch.
inline RequestText request(std::string method, std::string uri, std::string via,
                           std::string branch) {
  RequestText r;
  r.method = std::move(method);
  r.uri = std::move(uri);
  r.via = std::move(via);
  r.branch = std::move(branch);
  return r;
}

inline std::string render(const RequestText& r) {
  auto b = msg::MessageBuilder::request(r.method, r.uri);
  b.header("Via", "SIP/2.0/UDP " + r.via + ";branch=" + r.branch + ";rport");
  b.header("Max-Forwards", "70");
  b.header("From", r.from);
  b.header("To", r.to);
  b.header("Call-ID", r.call_id);
  b.header("CSeq",
           std::to_string(r.cseq) + " " + (r.cseq_method.empty() ? r.method : r.cseq_method));
  for (const auto& h : r.headers) {
    const auto colon = h.find(':');
    b.header(h.substr(0, colon), h.substr(colon + 2));
  }
  if (!r.body.empty()) b.body(r.content_type, r.body);
  return b.serialize();
}

class CallTest : public ::testing::Test {
 protected:
  CallTest() {
    store::Customer demo;
    demo.id = 1;
    demo.username = "demo";
    store::Customer gone;
    gone.id = 2;
    gone.username = "gone";
    gone.disabled = true;
    directory.set_customers({demo, gone});
    store::Domain d;
    d.id = 1;
    d.name = std::string(kDomain);
    directory.set_domains({d}, std::string(kDomain));
    auto acl = [](store::Id id, std::string user, std::string out = "out") {
      store::SipAccount a = registrar::test::make_account(id, std::move(user));
      a.ip_acl = "127.0.0.0/8";
      a.out_dialplan = std::move(out);
      return a;
    };
    store::SipAccount digest = registrar::test::make_account(2, "1002");
    digest.out_dialplan = "out";
    store::SipAccount off = acl(7, "off");
    off.disabled = true;
    store::SipAccount inonly = acl(8, "inonly");
    inonly.incoming_only = true;
    store::SipAccount loop = acl(10, "2000");
    loop.in_dialplan = "ring-bob";
    store::SipAccount susp = acl(11, "susp");
    susp.owner_id = 2;
    directory.set_accounts({acl(1, "1001"), digest, acl(3, "bob"), acl(4, "carol"), acl(5, "dave"),
                            acl(6, "noplan", ""), off, inonly, acl(9, "lost", "nosuch"), loop,
                            susp});
    set_plan("out", "dialstring", "${dst}@sipsmith.test");
    set_plan("ring-bob", "dialstring", "bob@sipsmith.test");

    registrar =
        std::make_unique<registrar::Registrar>(layer, sender, timers, timers.clock(), directory,
                                               persistence, nonces, registrar::Config{}, &guard);
    start_calls();
  }
  ~CallTest() override {
    tu.calls = nullptr;
    calls.reset();
    registrar.reset();
  }

  // (Re)creates the call manager; `resolver` may be null (binding legs need
  // none).
  void start_calls(dns::Resolver* resolver = nullptr, Config config = {}) {
    tu.calls = nullptr;
    calls.reset();
    Services svc;
    svc.layer = &layer;
    svc.sender = &sender;
    svc.timers = &timers;
    svc.wall = &timers.clock();
    svc.directory = &directory;
    svc.registrar = registrar.get();
    svc.nonces = &nonces;
    svc.guard = &guard;
    svc.resolver = resolver;
    svc.cdrs = &cdrs;
    svc.on_event = [this](const CallEvent& e) { events.push_back(e); };
    svc.listeners.push_back({transport::Kind::Udp, std::string(kLocal)});
    svc.provider_flow = provider_flow;
    calls = std::make_unique<CallManager>(std::move(svc), std::move(config));
    tu.registrar = registrar.get();
    tu.calls = calls.get();
  }

  // Adds or replaces the demo customer's dial plan `name` (a new update
  // time, so the call manager recompiles it).
  void set_plan(const std::string& name, const std::string& type, const std::string& source) {
    store::DialPlan p;
    const store::DialPlan* old = directory.find_dialplan(1, name);
    p.id = old != nullptr ? old->id : ++plan_ids_;
    p.owner_id = 1;
    p.name = name;
    p.type = type;
    p.source = source;
    p.updated = ++plan_updates_;
    directory.upsert_dialplan(std::move(p));
  }
  // Points `user`'s out (or in) dial plan at `plan`.
  void use_plan(std::string_view user, const std::string& plan, bool in = false) {
    store::SipAccount a = *directory.find(user, kDomain);
    (in ? a.in_dialplan : a.out_dialplan) = plan;
    directory.upsert_account(std::move(a));
  }

  // A phone of ACL account `user` at `address` registers (no challenge).
  void register_phone(std::string_view user, std::string_view address) {
    const std::string a(address);
    RequestText r =
        request("REGISTER", "sip:sipsmith.test", a, "z9hG4bKreg" + std::to_string(++branches_));
    r.from = "<sip:" + std::string(user) + "@sipsmith.test>;tag=reg" + std::to_string(branches_);
    r.to = "<sip:" + std::string(user) + "@sipsmith.test>";
    r.call_id = "reg-" + a + "@" + std::string(user);
    r.headers = {"Contact: <sip:" + std::string(user) + "@" + a + ">", "Expires: 3600"};
    deliver(render(r), a);
    ASSERT_EQ(last_to(a, "SIP/2.0").status(), 200) << "REGISTER of " << user << " at " << a;
  }

  // Bytes arriving over UDP from `remote` (flow 0).
  void deliver(const std::string& bytes, std::string_view remote) {
    layer.on_inbound(txn::test::arrive(parse(bytes), transport::Kind::Udp, remote, 0));
  }

  // ---- the caller's side
  std::string invite_text(const Invite& i) const {
    RequestText r = caller_request(i, "INVITE", i.uri, i.branch, {}, i.cseq);
    r.headers = i.headers;
    r.headers.push_back("Contact: <sip:caller@" + i.remote + ">");
    r.content_type = "application/sdp";
    r.body = i.sdp;
    return render(r);
  }
  void send_invite(const Invite& i) { deliver(invite_text(i), i.remote); }
  void send_cancel(const Invite& i) {
    deliver(render(caller_request(i, "CANCEL", i.uri, i.branch, {}, i.cseq)), i.remote);
  }
  // A request of the caller's dialog (to_tag empty: outside it).
  static RequestText caller_request(const Invite& i, std::string method, std::string uri,
                                    std::string branch, std::string_view to_tag,
                                    std::uint32_t cseq) {
    RequestText r = request(std::move(method), std::move(uri), i.remote, std::move(branch));
    r.from = i.from + ";tag=" + i.from_tag;
    r.to = to_tag.empty() ? i.to : i.to + ";tag=" + std::string(to_tag);
    r.call_id = i.call_id;
    r.cseq = cseq;
    return r;
  }
  // The ACK of our 2xx (to_tag: ours, from that 2xx).
  void send_ack(const Invite& i, std::string_view to_tag) {
    const std::string branch = "z9hG4bKack" + std::to_string(++branches_);
    deliver(render(caller_request(i, "ACK", "sip:sipsmith@192.0.2.1:5060", branch, to_tag, i.cseq)),
            i.remote);
  }
  // An in-dialog request from the caller (BYE, INFO, re-INVITE ...).
  void send_from_caller(const Invite& i, std::string_view to_tag, std::string method,
                        std::uint32_t cseq, std::string body = {}) {
    RequestText r = caller_request(i, std::move(method), "sip:sipsmith@192.0.2.1:5060",
                                   "z9hG4bKcdlg" + std::to_string(++branches_), to_tag, cseq);
    r.headers.push_back("Contact: <sip:caller@" + i.remote + ">");
    if (!body.empty()) r.content_type = "application/sdp";
    r.body = std::move(body);
    deliver(render(r), i.remote);
  }

  // ---- a phone's side (the UAS of a leg)
  // The phone at `address` answers `request` (an INVITE it was sent).
  void reply(std::string_view address, const msg::Message& request, int status,
             std::string_view to_tag, std::string_view sdp = {},
             const std::vector<std::string>& headers = {}) {
    auto b = msg::make_response(request, status, {}, to_tag);
    if (status > 100 && status < 300)
      b.header("Contact", "<sip:phone@" + std::string(address) + ">");
    for (const auto& h : headers) {
      const auto colon = h.find(':');
      b.header(h.substr(0, colon), h.substr(colon + 2));
    }
    if (!sdp.empty()) b.body("application/sdp", sdp);
    deliver(b.serialize(), address);
  }
  // An in-dialog request from the phone that answered `invite` with `to_tag`.
  void send_from_phone(std::string_view address, const msg::Message& invite,
                       std::string_view to_tag, std::string method, std::uint32_t cseq,
                       std::string body = {}) {
    RequestText r = request(std::move(method), "sip:sipsmith@192.0.2.1:5060", std::string(address),
                            "z9hG4bKpdlg" + std::to_string(++branches_));
    r.from = std::string(invite.value(msg::HeaderId::To)) + ";tag=" + std::string(to_tag);
    r.to = std::string(invite.value(msg::HeaderId::From));
    r.call_id = std::string(invite.call_id());
    r.cseq = cseq;
    r.headers.push_back("Contact: <sip:phone@" + std::string(address) + ">");
    if (!body.empty()) r.content_type = "application/sdp";
    r.body = std::move(body);
    deliver(render(r), address);
  }

  // ---- what went out
  // Messages sent to `address` whose first line starts with `prefix`.
  std::vector<msg::Message> sent_to(std::string_view address, std::string_view prefix = {}) const {
    std::vector<msg::Message> out;
    for (const auto& s : sender.sent)
      if (s.to.address.to_string() == address && s.starts_with(prefix))
        out.push_back(parse(s.bytes));
    return out;
  }
  std::size_t count_to(std::string_view address, std::string_view prefix) const {
    std::size_t n = 0;
    for (const auto& s : sender.sent)
      if (s.to.address.to_string() == address && s.starts_with(prefix)) ++n;
    return n;
  }
  // The last such message (a test failure and an empty message when none).
  msg::Message last_to(std::string_view address, std::string_view prefix = {}) const {
    for (auto it = sender.sent.rbegin(); it != sender.sent.rend(); ++it)
      if (it->to.address.to_string() == address && it->starts_with(prefix)) return parse(it->bytes);
    ADD_FAILURE() << "nothing starting with '" << prefix << "' was sent to " << address;
    return msg::Message{};
  }
  // Final responses (>= 200) sent to `address`, as "status reason".
  std::vector<std::string> finals_to(std::string_view address) const {
    std::vector<std::string> out;
    for (const auto& m : sent_to(address, "SIP/2.0 "))
      if (m.status() >= 200)
        out.push_back(std::to_string(m.status()) + " " + std::string(m.reason()));
    return out;
  }
  static std::string to_tag_of(const msg::Message& m) {
    auto to = m.to();
    return to ? std::string(to->tag()) : std::string();
  }

  ManualTimerService timers;
  txn::test::FakeSender sender{timers.clock()};
  CallUser tu;
  txn::TransactionLayer layer{sender, timers, tu};
  directory::Directory directory;
  registrar::test::MemPersistence persistence;
  auth::NonceService nonces{timers.clock()};
  policy::SourceGuard guard{timers.clock()};  // the engine's, in the daemon
  RecordingCdrs cdrs;
  std::vector<CallEvent> events;
  // Services::provider_flow of the next start_calls() (empty: none).
  std::function<std::optional<transport::Origin>(store::Id, std::string_view)> provider_flow;
  std::unique_ptr<registrar::Registrar> registrar;
  std::unique_ptr<CallManager> calls;

 private:
  store::Id plan_ids_ = 0;
  std::int64_t plan_updates_ = 1'700'000'000;
  int branches_ = 0;
};

}  // namespace sip::b2bua::test
