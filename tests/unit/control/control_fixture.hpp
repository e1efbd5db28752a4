// Shared fixture of the control command tests: a real SQLite store in a
// fresh temp directory, a Directory, a Context without registrar (wall clock
// = a ManualClock) and a CommandRegistry with every command registered.
// Helpers call a method and expect success or a given error.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "sip/base/clock.hpp"
#include "sip/control/context.hpp"
#include "sip/control/registry.hpp"
#include "sip/directory/directory.hpp"
#include "sip/store/sqlite_store.hpp"
#include "sip/store/store.hpp"

namespace sip::control::testing {

using nlohmann::json;

// One store + directory + registry (several per test for import round trips).
struct Node {
  explicit Node(const std::string& path) {
    store::SqliteOptions o;
    o.path = path;
    auto s = store::open_sqlite(o);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    if (s.ok()) db = std::move(*s);
    context = std::make_unique<Context>(Context{*db, directory, nullptr, {}, {}});
    context->wall = &wall;
    context->password_iterations = 1000;  // PBKDF2 at full strength is slow
    register_commands(registry, *context);
  }

  // Runs `method`; a failing call fails the test and returns null.
  json ok(const std::string& method, const json& params = json::object()) {
    CommandResult r = registry.call(method, params);
    EXPECT_TRUE(r.ok()) << method << " " << params.dump() << ": " << r.error().code << ": "
                        << r.error().message;
    return r.ok() ? r.value() : json();
  }
  // Runs `method` expecting the error `code`; returns its message.
  std::string err(const std::string& method, const json& params, const std::string& code) {
    CommandResult r = registry.call(method, params);
    EXPECT_FALSE(r.ok()) << method << " " << params.dump() << " succeeded: " << r.value().dump();
    if (r.ok()) return {};
    EXPECT_EQ(r.error().code, code) << method << ": " << r.error().message;
    return r.error().message;
  }

  ManualClock wall{1'700'000'000};
  std::unique_ptr<store::Store> db;
  directory::Directory directory;
  std::unique_ptr<Context> context;
  CommandRegistry registry;
};

class ControlTest : public ::testing::Test {
 public:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sipctl-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    node_ = std::make_unique<Node>((dir_ / "store.db").string());
    ASSERT_NE(node_->db, nullptr);
  }
  void TearDown() override {
    node_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<Node> fresh_node(const std::string& name) {
    return std::make_unique<Node>((dir_ / name).string());
  }

  Node& n() { return *node_; }
  json ok(const std::string& method, const json& params = json::object()) {
    return node_->ok(method, params);
  }
  std::string err(const std::string& method, const json& params, const std::string& code) {
    return node_->err(method, params, code);
  }

  // Customer "demo" (password "demo-password"), domain "sipsmith.test"
  // (alias "local") and account 1001 (password "secret-1001").
  void add_basics() {
    ok("customer.add", {{"username", "demo"}, {"password", "demo-password"}});
    ok("domain.add", {{"name", "sipsmith.test"}, {"aliases", {"local"}}});
    ok("account.add", {{"owner", "demo"},
                       {"username", "1001"},
                       {"domain", "sipsmith.test"},
                       {"password", "secret-1001"}});
  }

  std::filesystem::path dir_;
  std::unique_ptr<Node> node_;
};

}  // namespace sip::control::testing
