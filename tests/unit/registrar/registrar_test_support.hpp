// Fixture for the registrar tests: a real TransactionLayer over the
// transaction tests' FakeSender on a ManualTimerService (time moves only in
// advance()), a Directory with a domain and accounts, an in-memory
// Persistence that can fail or complete later, and REGISTER builders with
// digest helpers. The layer hands every request to the Registrar.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../transaction/txn_test_support.hpp"
#include "sip/auth/digest.hpp"
#include "sip/auth/nonce_service.hpp"
#include "sip/directory/directory.hpp"
#include "sip/registrar/registrar.hpp"

namespace sip::registrar::test {

using namespace std::chrono_literals;
using txn::test::FakeSender;
using txn::test::parse;

inline constexpr std::string_view kDomain = "sipsmith.test";
inline constexpr std::string_view kPassword = "s3cret";

// Binding storage in memory. `defer` holds completions until complete();
// `fail` makes the next operations fail (nothing written).
class MemPersistence final : public Persistence {
 public:
  void save(const store::Binding& b, std::function<void(Result<void>)> done) override {
    ++saves;
    run([this, b, done = std::move(done)] {
      if (fail) return done(make_error(Errc::storage, 0, "disk full"));
      rows[{b.account_id, b.contact_key}] = b;
      done({});
    });
  }
  void erase(store::Id account, const std::string& key,
             std::function<void(Result<void>)> done) override {
    ++erases;
    run([this, account, key, done = std::move(done)] {
      if (fail) return done(make_error(Errc::storage, 0, "disk full"));
      rows.erase({account, key});
      done({});
    });
  }
  // Takes refreshes only when `behind` (then written at once, no callback).
  bool save_behind(const store::Binding& b) override {
    if (!behind) return false;
    ++behind_saves;
    rows[{b.account_id, b.contact_key}] = b;
    return true;
  }
  void complete() {
    auto ops = std::move(pending);
    pending.clear();
    for (auto& op : ops) op();
  }
  bool has(store::Id account, const std::string& key) const {
    return rows.count({account, key}) != 0;
  }

  bool defer = false;
  bool fail = false;
  bool behind = false;
  int saves = 0, erases = 0, behind_saves = 0;
  std::map<std::pair<store::Id, std::string>, store::Binding> rows;
  std::vector<std::function<void()>> pending;

 private:
  void run(std::function<void()> op) {
    if (defer)
      pending.push_back(std::move(op));
    else
      op();
  }
};

// Hands REGISTERs to the registrar (the engine's job in the daemon), or
// every request to `next` when a test puts the engine's dispatcher there.
class RegistrarUser final : public txn::TransactionUser {
 public:
  void on_request(txn::ServerTransaction txn, transport::Inbound&& in) override {
    if (next != nullptr) return next->on_request(std::move(txn), std::move(in));
    if (registrar != nullptr && in.message.method() == msg::Method::Register)
      registrar->on_register(std::move(txn), std::move(in));
  }
  void on_ack_2xx(transport::Inbound&&) override {}
  Registrar* registrar = nullptr;
  txn::TransactionUser* next = nullptr;
};

struct Reg {
  std::string user = "1001";
  std::string domain = std::string(kDomain);
  std::string request_uri = "sip:sipsmith.test";
  std::vector<std::string> contacts = {"<sip:1001@203.0.113.9:5070>"};
  std::optional<std::string> expires;
  std::string call_id = "reg-1@203.0.113.9";
  std::uint32_t cseq = 1;
  std::string user_agent;
  std::vector<std::string> authorization;
};

struct From {
  std::string remote = "203.0.113.9:5070";
  transport::Kind kind = transport::Kind::Udp;
  transport::FlowId flow = 3;
};

inline store::SipAccount make_account(store::Id id, std::string user) {
  store::SipAccount a;
  a.id = id;
  a.owner_id = 1;
  a.username = user;
  a.domain = std::string(kDomain);
  a.ha1_md5 = *auth::ha1(auth::DigestHash::Md5, user, kDomain, kPassword);
  a.ha1_sha256 = *auth::ha1(auth::DigestHash::Sha256, user, kDomain, kPassword);
  return a;
}

class RegistrarTest : public ::testing::Test {
 protected:
  RegistrarTest() {
    store::Domain d;
    d.id = 1;
    d.name = std::string(kDomain);
    d.aliases = {"alias.test"};
    directory.set_domains({d});
    directory.set_accounts(
        {make_account(1, "1001"), make_account(2, "1002"), acl_account(3, "acl")});
  }
  ~RegistrarTest() override { registrar.reset(); }

  static store::SipAccount acl_account(store::Id id, std::string user) {
    store::SipAccount a = make_account(id, std::move(user));
    a.ip_acl = "198.51.100.0/24, 2001:db8::/32";
    return a;
  }

  // The tests exercise both algorithms (SHA-256 by default in
  // register_with_auth); the daemon's default list (MD5 only) is checked in
  // registrar_algorithms_test.cpp.
  static Config test_config() {
    Config c;
    c.algorithms = {auth::Algorithm::Md5, auth::Algorithm::Sha256};
    return c;
  }
  void start(Config c = test_config()) {
    user.registrar = nullptr;
    registrar.reset();
    registrar = std::make_unique<Registrar>(layer, sender, timers, timers.clock(), directory,
                                            persistence, nonces, std::move(c), &guard);
    registrar->set_observer([this](const BindingEvent& e) { events.push_back(e); });
    user.registrar = registrar.get();
  }
  void SetUp() override { start(); }

  static std::string bytes(const Reg& r, std::string_view branch) {
    std::string s = "REGISTER " + r.request_uri + " SIP/2.0\r\n";
    s += "Via: SIP/2.0/UDP 203.0.113.9:5070;branch=" + std::string(branch) + ";rport\r\n";
    s += "Max-Forwards: 70\r\n";
    s += "From: <sip:" + r.user + "@" + r.domain + ">;tag=ft" + std::to_string(r.cseq) + "\r\n";
    s += "To: <sip:" + r.user + "@" + r.domain + ">\r\n";
    s += "Call-ID: " + r.call_id + "\r\n";
    s += "CSeq: " + std::to_string(r.cseq) + " REGISTER\r\n";
    for (const auto& c : r.contacts) s += "Contact: " + c + "\r\n";
    if (r.expires) s += "Expires: " + *r.expires + "\r\n";
    if (!r.user_agent.empty()) s += "User-Agent: " + r.user_agent + "\r\n";
    for (const auto& a : r.authorization) s += "Authorization: " + a + "\r\n";
    s += "Content-Length: 0\r\n\r\n";
    return s;
  }

  // Delivers raw request bytes; returns how many messages went out.
  std::size_t deliver_raw(const std::string& raw, const From& from = {}) {
    const std::size_t before = sender.sent.size();
    layer.on_inbound(txn::test::arrive(parse(raw), from.kind, from.remote, from.flow));
    return sender.sent.size() - before;
  }
  // Sends a REGISTER; nullopt when nothing was answered (yet).
  std::optional<msg::Message> send(const Reg& r, const From& from = {}) {
    const std::size_t before = sender.sent.size();
    layer.on_inbound(txn::test::arrive(parse(bytes(r, "z9hG4bK" + std::to_string(++branch_))),
                                       from.kind, from.remote, from.flow));
    if (sender.sent.size() == before) return std::nullopt;
    return parse(sender.sent.back().bytes);
  }
  msg::Message last() const { return parse(sender.sent.back().bytes); }

  // The challenge of `response` with `algorithm` (SHA-256 / MD5).
  static auth::Challenge challenge_for(const msg::Message& response, auth::Algorithm algorithm) {
    std::optional<auth::Challenge> found;
    response.for_each(msg::HeaderId::WwwAuthenticate, [&](const msg::HeaderField& f) {
      auto c = auth::parse_challenge(*response.auth_at(f));
      if (c && c->algorithm == algorithm && !found) found = *c;
    });
    EXPECT_TRUE(found) << "no " << auth::algorithm_name(algorithm) << " challenge";
    return found.value_or(auth::Challenge{});
  }
  static std::string authorization(const auth::Challenge& c, std::string_view user,
                                   std::string_view password, std::uint32_t nc = 1,
                                   std::string_view uri = "sip:sipsmith.test") {
    auto creds = auth::Credentials::with_password(std::string(user), std::string(password));
    auth::RequestInfo info;
    info.method = "REGISTER";
    info.uri = uri;
    return *auth::make_authorization(c, creds, info, nc);
  }
  // REGISTER, 401, REGISTER with credentials: the final response.
  std::optional<msg::Message> register_with_auth(Reg r, std::string_view password = kPassword,
                                                 const From& from = {},
                                                 auth::Algorithm a = auth::Algorithm::Sha256) {
    r.authorization.clear();
    auto first = send(r, from);
    if (!first || first->status() != 401) return first;
    r.cseq += 1;
    r.authorization = {authorization(challenge_for(*first, a), r.user, password)};
    return send(r, from);
  }

  ManualTimerService timers;
  FakeSender sender{timers.clock()};
  RegistrarUser user;
  txn::TransactionLayer layer{sender, timers, user};
  directory::Directory directory;
  MemPersistence persistence;
  auth::NonceService nonces{timers.clock()};
  policy::SourceGuard guard{timers.clock()};  // the engine's, in the daemon
  std::unique_ptr<Registrar> registrar;
  std::vector<BindingEvent> events;

 private:
  int branch_ = 0;
};

// Values of every `name` header of `m`, in order.
inline std::vector<std::string> values(const msg::Message& m, msg::HeaderId id) {
  std::vector<std::string> out;
  m.for_each(id, [&](const msg::HeaderField& f) { out.emplace_back(m.text(f.value)); });
  return out;
}

}  // namespace sip::registrar::test
