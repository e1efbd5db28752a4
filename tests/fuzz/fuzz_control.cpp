// fuzz_control: one libFuzzer input = lines to the daemon's control socket
// (docs/control-protocol.md), answered by every registered command over an
// in-memory SQLite store: JSON parsing, method dispatch, every command's
// field checks, provisioning import documents, dial plan sources (Lua,
// wizard, dial string) and the dialplan.test dry run.
//
// What it checks:
//  * every line gets exactly one answer line: a JSON object with "result"
//    or an "error" that has a code and a message; nothing throws or crashes;
//  * the Directory stays in step with the store: after the input, a reload
//    from the store leaves every listed account and customer as it was.
// The store is recreated every few hundred inputs (bounded memory).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "sip/base/clock.hpp"
#include "sip/control/context.hpp"
#include "sip/control/registry.hpp"
#include "sip/directory/directory.hpp"
#include "sip/store/sqlite_store.hpp"

namespace {

using nlohmann::json;

struct Node {
  Node() {
    sip::store::SqliteOptions o;
    o.path = ":memory:";
    auto s = sip::store::open_sqlite(o);
    if (!s) __builtin_trap();
    db = std::move(*s);
    context = std::make_unique<sip::control::Context>(
        sip::control::Context{*db, directory, nullptr, {}, {}});
    context->wall = &wall;
    context->password_iterations = 1;  // PBKDF2 strength is not what is fuzzed
    sip::control::register_commands(registry, *context);
  }
  sip::ManualClock wall{1'700'000'000};
  std::unique_ptr<sip::store::Store> db;
  sip::directory::Directory directory;
  std::unique_ptr<sip::control::Context> context;
  sip::control::CommandRegistry registry;
};

void check_answer(const std::string& line) {
  const json answer = json::parse(line, nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) __builtin_trap();
  if (answer.contains("error")) {
    const json& e = answer["error"];
    if (!e.is_object() || !e.contains("code") || !e["code"].is_string() ||
        e["code"].get<std::string>().empty() || !e.contains("message"))
      __builtin_trap();
  } else if (!answer.contains("result")) {
    __builtin_trap();
  }
}

json listing(Node& node, const char* method) {
  const json answer = json::parse(
      node.registry.handle_line(std::string(R"({"id":1,"method":")") + method + R"("})"));
  return answer.value("result", json());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<Node> node;
  static int inputs = 0;
  if (!node || ++inputs % 300 == 0) node = std::make_unique<Node>();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    check_answer(node->registry.handle_line(line));
  }
  // The Directory agrees with the store.
  const json accounts = listing(*node, "account.list");
  const json customers = listing(*node, "customer.list");
  if (!sip::control::reload_directory(*node->context)) __builtin_trap();
  if (listing(*node, "account.list") != accounts || listing(*node, "customer.list") != customers)
    __builtin_trap();
  return 0;
}
