#include "sip/engine/config.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sip::engine {
namespace {

ServerConfig parse_ok(const std::string& text) {
  std::string message;
  auto c = parse_config(text, "/etc/sipsmith", &message);
  EXPECT_TRUE(c) << message;
  return c ? *c : ServerConfig{};
}

std::string parse_error(const std::string& text) {
  std::string message;
  auto c = parse_config(text, "/etc/sipsmith", &message);
  EXPECT_FALSE(c) << text;
  if (!c) {
    EXPECT_EQ(c.error().code, Errc::bad_config);
  }
  return message;
}

TEST(EngineConfig, CommentsAndDefaults) {
  ServerConfig c = parse_ok(R"({
    // line comment
    "domains": ["Example.COM"], /* block comment */
    "listen": [{"transport": "tcp", "address": "[::1]:5070"}]
  })");
  ASSERT_EQ(c.domains.size(), 1u);
  EXPECT_EQ(c.domains[0], "example.com");
  EXPECT_EQ(c.default_domain, "example.com");
  ASSERT_EQ(c.transport.listen.size(), 1u);
  EXPECT_EQ(c.transport.listen[0].kind, transport::Kind::Tcp);
  EXPECT_TRUE(c.transport.listen[0].address.v6);
  EXPECT_EQ(c.transport.listen[0].address.port, 5070);
  EXPECT_EQ(c.registrar.min_expires.count(), 60);
  EXPECT_EQ(c.registrar.max_bindings, 10u);
  // MD5 only by default: every common phone registers (README).
  EXPECT_EQ(c.registrar.algorithms, (auth::AlgorithmList{auth::Algorithm::Md5}));
  EXPECT_EQ(c.log_level, LogLevel::Info);
}

TEST(EngineConfig, RelativePathsFollowTheConfigFile) {
  ServerConfig c = parse_ok(R"({"domains": ["a.test"], "store": {"path": "data/s.db"},
                               "control": {"socket": "/run/x.sock", "mode": "0660"}})");
  EXPECT_EQ(c.store.path, "/etc/sipsmith/data/s.db");
  EXPECT_EQ(c.control.socket, "/run/x.sock");
  EXPECT_EQ(c.control.mode, 0660u);
}

TEST(EngineConfig, RegistrarAndSecurityFields) {
  ServerConfig c = parse_ok(R"({"domains": ["a.test"],
    "registrar": {"min_expires": 120, "max_expires": 7200, "max_bindings": 3,
                  "algorithms": ["md5"], "nonce_lifetime": 60,
                  "user_agent_rules": [{"pattern": "^Cisco", "max_expires": 120}]},
    "security": {"max_failures": 5, "failure_window": 30, "block_for": 600, "block_silently": true},
    "log": {"level": "debug"}})");
  EXPECT_EQ(c.registrar.min_expires.count(), 120);
  EXPECT_EQ(c.registrar.max_expires.count(), 7200);
  EXPECT_EQ(c.registrar.max_bindings, 3u);
  EXPECT_EQ(c.registrar.algorithms, (auth::AlgorithmList{auth::Algorithm::Md5}));
  EXPECT_EQ(c.nonce_lifetime.count(), 60);
  ASSERT_EQ(c.registrar.user_agent_rules.size(), 1u);
  EXPECT_EQ(c.registrar.user_agent_rules[0].pattern, "^Cisco");
  EXPECT_EQ(c.security.max_failures, 5u);
  EXPECT_EQ(c.security.block_for, std::chrono::seconds(600));
  EXPECT_TRUE(c.block_silently);
  EXPECT_EQ(c.log_level, LogLevel::Debug);
}

TEST(EngineConfig, AlgorithmsKeepTheirOrder) {
  ServerConfig c =
      parse_ok(R"({"domains": ["a.test"], "registrar": {"algorithms": ["SHA-256", "MD5"],
    "user_agent_rules": [{"pattern": "^Old", "algorithms": ["md5"]}]}})");
  EXPECT_EQ(c.registrar.algorithms,
            (auth::AlgorithmList{auth::Algorithm::Sha256, auth::Algorithm::Md5}));
  ASSERT_EQ(c.registrar.user_agent_rules.size(), 1u);
  EXPECT_EQ(c.registrar.user_agent_rules[0].algorithms,
            (auth::AlgorithmList{auth::Algorithm::Md5}));
  EXPECT_FALSE(c.registrar.user_agent_rules[0].max_expires);  // no cap from this rule
  // A rule with only a pattern keeps its old meaning: a 3600 s cap.
  ServerConfig old = parse_ok(R"({"domains": ["a.test"],
                                  "registrar": {"user_agent_rules": [{"pattern": "x"}]}})");
  ASSERT_EQ(old.registrar.user_agent_rules.size(), 1u);
  EXPECT_EQ(old.registrar.user_agent_rules[0].max_expires, std::chrono::seconds(3600));
  EXPECT_TRUE(old.registrar.user_agent_rules[0].algorithms.empty());
  const std::string printed = config_to_json(c);
  EXPECT_NE(printed.find("\"algorithms\": [\n      \"SHA-256\",\n      \"MD5\"\n    ]"),
            std::string::npos)
      << printed;
}

TEST(EngineConfig, ErrorsNameTheField) {
  EXPECT_NE(
      parse_error(R"({"domains": ["a.test"], "registar": {}})").find("unknown field \"registar\""),
      std::string::npos);
  EXPECT_NE(parse_error(R"({"domains": ["a.test"], "registrar": {"min_expires": "60"}})")
                .find("registrar.min_expires: expected an integer"),
            std::string::npos);
  EXPECT_NE(
      parse_error(R"({"domains": ["a.test"], "registrar": {"min_expires": 0}})").find("outside"),
      std::string::npos);
  EXPECT_NE(parse_error(R"({"domains": ["a.test"], "listen": [{"transport": "sctp"}]})")
                .find("listen[0].transport"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"domains": ["a.test"], "listen": [{"address": "nohost:x"}]})")
                .find("listen[0].address"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"domains": []})").find("at least one served domain"),
            std::string::npos);
  EXPECT_NE(
      parse_error(R"({"domains": ["a.test"], "control": {"mode": "0999"}})").find("control.mode"),
      std::string::npos);
  EXPECT_NE(parse_error(R"({"domains": ["a.test"], "registrar": {"algorithms": ["SHA-1"]}})")
                .find("registrar.algorithms"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"domains": ["a.test"], "registrar": {"algorithms": ["MD5", "md5"]}})")
                .find("registrar.algorithms[1]: \"md5\": digest algorithm listed twice"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"domains": ["a.test"], "registrar": {"algorithms": []}})")
                .find("registrar.algorithms: expected a non-empty array"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"domains": ["a.test"], "registrar": {"algorithms": ["SHA-512-256"]}})")
                .find("not supported here"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"domains": ["a.test"], "registrar": {"user_agent_rules":
                            [{"pattern": "x", "algorithms": ["SHA-1"]}]}})")
                .find("registrar.user_agent_rules[0].algorithms[0]"),
            std::string::npos);
  EXPECT_NE(parse_error("{ not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(
      parse_error(R"({"domains": ["a.test"], "default_domain": "b.test"})").find("default_domain"),
      std::string::npos);
  EXPECT_NE(parse_error(
                R"({"domains": ["a.test"], "registrar": {"min_expires": 600, "max_expires": 60}})")
                .find("below min_expires"),
            std::string::npos);
}

TEST(EngineConfig, PrintedConfigParsesBackToTheSameValues) {
  ServerConfig c = parse_ok(R"({"domains": ["a.test", "b.test"], "default_domain": "b.test",
    "registrar": {"algorithms": ["SHA-256"], "user_agent_rules": [{"pattern": "x", "max_expires": 90},
                  {"pattern": "y", "algorithms": ["MD5", "SHA-256"]}]},
    "security": {"max_failures": 7}})");
  std::string message;
  auto again = parse_config(config_to_json(c), "/", &message);
  ASSERT_TRUE(again) << message << "\n" << config_to_json(c);
  EXPECT_EQ(again->domains, c.domains);
  EXPECT_EQ(again->default_domain, "b.test");
  EXPECT_EQ(again->registrar.algorithms, (auth::AlgorithmList{auth::Algorithm::Sha256}));
  ASSERT_EQ(again->registrar.user_agent_rules.size(), 2u);
  EXPECT_EQ(again->registrar.user_agent_rules[0].max_expires, std::chrono::seconds(90));
  EXPECT_TRUE(again->registrar.user_agent_rules[0].algorithms.empty());
  EXPECT_FALSE(again->registrar.user_agent_rules[1].max_expires);
  EXPECT_EQ(again->registrar.user_agent_rules[1].algorithms,
            (auth::AlgorithmList{auth::Algorithm::Md5, auth::Algorithm::Sha256}));
  EXPECT_EQ(again->security.max_failures, 7u);
  EXPECT_EQ(again->store.path, c.store.path);
  EXPECT_EQ(again->transport.listen.size(), c.transport.listen.size());
}

TEST(EngineConfig, ProviderRegistrationPolicyRoundTrips) {
  ServerConfig c = parse_ok(R"({"provider_registration": {"start_rate": 5, "min_gap_ms": 300,
    "retry_base_ms": 400, "retry_max_ms": 5000}})");
  EXPECT_TRUE(c.provider_registration_enabled);
  EXPECT_EQ(c.provider_registration.start_rate, 5.0);
  EXPECT_EQ(c.provider_registration.retry.min_gap, std::chrono::milliseconds(300));
  std::string message;
  auto again = parse_config(config_to_json(c), "/", &message);
  ASSERT_TRUE(again) << message;
  EXPECT_EQ(again->provider_registration.start_rate, 5.0);
  EXPECT_EQ(again->provider_registration.retry.base, std::chrono::milliseconds(400));
  EXPECT_EQ(again->provider_registration.retry.max, std::chrono::milliseconds(5000));
}

TEST(EngineConfig, StoreUrlSelectsPostgresOrSqlite) {
  ServerConfig pg = parse_ok(R"({"store": {"url": "postgresql://u:secret@db.test/sip",
    "connect_timeout_ms": 700, "query_timeout_ms": 900, "retry_interval_ms": 50,
    "ack_timeout_ms": 300, "max_queue": 10}})");
  EXPECT_EQ(pg.postgres.url, "postgresql://u:secret@db.test/sip");
  EXPECT_EQ(pg.postgres.connect_timeout, std::chrono::milliseconds(700));
  EXPECT_EQ(pg.postgres.query_timeout, std::chrono::milliseconds(900));
  EXPECT_EQ(pg.postgres.retry_interval, std::chrono::milliseconds(50));
  EXPECT_EQ(pg.store_max_queue, 10u);
  EXPECT_EQ(pg.store_ack_timeout, std::chrono::milliseconds(300));
  EXPECT_EQ(store_description(pg), "postgresql://u:***@db.test/sip");
  std::string message;
  auto again = parse_config(config_to_json(pg), "/", &message);
  ASSERT_TRUE(again) << message;
  EXPECT_EQ(again->postgres.url, pg.postgres.url);
  EXPECT_EQ(again->postgres.query_timeout, pg.postgres.query_timeout);
  EXPECT_EQ(again->store_ack_timeout, pg.store_ack_timeout);

  ServerConfig conninfo = parse_ok(R"({"store": {"url": "host=/run/postgresql dbname=sip"}})");
  EXPECT_EQ(conninfo.postgres.url, "host=/run/postgresql dbname=sip");
  ServerConfig file = parse_ok(R"({"store": {"url": "sqlite:data/s.db"}})");
  EXPECT_TRUE(file.postgres.url.empty());
  EXPECT_EQ(file.store.path, "/etc/sipsmith/data/s.db");

  EXPECT_FALSE(
      parse_config(R"({"domains":["a.test"],"store":{"url":"mysql://x"}})", "/", &message));
  EXPECT_NE(message.find("store.url"), std::string::npos) << message;
  EXPECT_FALSE(
      parse_config(R"({"domains":["a.test"],"store":{"url":"postgresql://db/x","path":"s.db"}})",
                   "/", &message));
  EXPECT_NE(message.find("store.path"), std::string::npos) << message;
}

TEST(EngineConfig, DefaultConfigIsValid) {
  ServerConfig d = default_config("/tmp/demo");
  EXPECT_EQ(d.store.path, "/tmp/demo/sipsmith.db");
  EXPECT_EQ(d.control.socket, "/tmp/demo/sipproxyd.sock");
  std::string message;
  EXPECT_TRUE(parse_config(config_to_json(d), "/tmp/demo", &message)) << message;
}

}  // namespace
}  // namespace sip::engine
