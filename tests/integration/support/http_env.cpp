#include "support/http_env.hpp"

#include <stdexcept>

#include "sip/auth/password.hpp"
#include "sip/store/sqlite_store.hpp"
#include "support/cdr_fill.hpp"

namespace sipsmith::itest {

HttpEnv::HttpEnv(json http) {
  http_port_ = free_port("127.0.0.1");
  http["bind"] = "127.0.0.1:" + std::to_string(http_port_);
  fill_cdrs(dir_.file("sipsmith.db"), 0, kFilledCdrs);
  {
    // fill_cdrs adds the customers bare: give them API keys as customer.add does.
    sip::store::SqliteOptions o;
    o.path = dir_.file("sipsmith.db");
    auto store = sip::store::open_sqlite(o);
    if (!store) throw std::runtime_error("cannot open the store");
    for (const char* name : {"demo", "other"}) {
      auto c = (*store)->customers().find(name);
      if (!c) throw std::runtime_error("no customer");
      c->api_key = sip::auth::make_api_key();
      if (!(*store)->customers().update(*c)) throw std::runtime_error("cannot set the api key");
    }
  }
  daemon_ = std::make_unique<Daemon>(dir_, json{{"http", http}});
  daemon_->start();
  auto& c = daemon_->control();
  c.call("customer.update", {{"username", "demo"}, {"password", kDemoPassword}});
  c.call("customer.update", {{"username", "other"}, {"password", kOtherPassword}});
  for (const char* u : {"alice", "bob"})
    c.call("account.add", {{"owner", "demo"}, {"username", u}, {"domain", "sipsmith.test"}});
  c.call("account.add", {{"owner", "other"}, {"username", "mallory"}, {"domain", "sipsmith.test"}});
  client_ = std::make_unique<httplib::Client>("127.0.0.1", http_port_);
  client_->set_connection_timeout(5);
  client_->set_read_timeout(20);
}

std::string HttpEnv::login(const std::string& user, const std::string& password) {
  httplib::Params p{{"username", user}, {"password", password}};
  auto r = client_->Get((std::string(kRest) + "customer/login").c_str(), p, httplib::Headers{});
  if (!r || r->status != 200) return {};
  json j = json::parse(r->body, nullptr, false);
  return j.is_string() ? j.get<std::string>() : std::string();
}

}  // namespace sipsmith::itest
