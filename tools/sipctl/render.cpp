#include "render.hpp"

#include <algorithm>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "common/trace_print.hpp"

namespace sipsmith::sipctl {
namespace {

using nlohmann::json;

struct Column {
  const char* title;
  const char* key;
};

std::string dump(const json& j, int indent = -1) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

std::string utc_time(std::int64_t t) {
  if (t <= 0) return "-";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

// A cell: strings as they are, booleans as yes/no, lists joined by commas.
std::string cell(const json& v, const std::string& key) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_integer() &&
      (key == "created" || key == "registered" || key == "updated" || key == "expires"))
    return utc_time(v.get<std::int64_t>());
  if (v.is_array()) {
    std::string out;
    for (const auto& item : v) {
      if (!out.empty()) out += ",";
      out += cell(item, "");
    }
    return out;
  }
  return dump(v);
}

void table(std::ostream& out, const json& rows, const std::vector<Column>& columns) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> width;
  for (const auto& c : columns) width.push_back(std::string(c.title).size());
  for (const auto& row : rows) {
    std::vector<std::string> line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      auto it = row.find(columns[i].key);
      line.push_back(it == row.end() ? "" : cell(*it, columns[i].key));
      width[i] = std::max(width[i], line.back().size());
    }
    cells.push_back(std::move(line));
  }
  auto print = [&](const std::vector<std::string>& line) {
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i) {
      text += line[i];
      if (i + 1 < line.size()) text.append(width[i] - line[i].size() + 2, ' ');
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << "\n";
  };
  std::vector<std::string> titles;
  for (const auto& c : columns) titles.emplace_back(c.title);
  print(titles);
  for (const auto& line : cells) print(line);
}

// One record: "key: value" lines, `first` keys in that order, then the rest.
void record(std::ostream& out, const json& obj, const std::vector<std::string>& first) {
  std::vector<std::string> keys;
  for (const auto& k : first)
    if (obj.contains(k)) keys.push_back(k);
  for (const auto& [k, v] : obj.items())
    if (std::find(keys.begin(), keys.end(), k) == keys.end() && k != "password") keys.push_back(k);
  std::size_t width = 0;
  for (const auto& k : keys) width = std::max(width, k.size());
  for (const auto& k : keys) {
    std::string value = cell(obj[k], k);
    out << k << ":" << (value.empty() ? "" : std::string(width - k.size() + 1, ' ') + value)
        << "\n";
  }
  if (obj.contains("password") && obj["password"].is_string())
    out << "password:" << std::string(width > 8 ? width - 8 + 1 : 1, ' ')
        << obj["password"].get<std::string>() << "   (generated; shown only now)\n";
}

// Nested objects flattened to "a.b: value" (stats).
void flat(std::ostream& out, const json& obj, const std::string& prefix) {
  for (const auto& [k, v] : obj.items()) {
    if (v.is_object()) {
      flat(out, v, prefix + k + ".");
    } else {
      out << prefix << k << ": " << cell(v, "") << "\n";
    }
  }
}

const std::vector<std::string> kCustomerOrder = {"username",     "id",        "admin",
                                                 "disabled",     "time_zone", "max_executions",
                                                 "max_accounts", "api_key",   "created"};
const std::vector<std::string> kAccountOrder = {
    "username",          "domain",       "owner",       "id",     "disabled",    "incoming_only",
    "keepalive",         "out_dialplan", "in_dialplan", "ip_acl", "dont_mangle", "network_id",
    "digest_algorithms", "description",  "created"};

const std::vector<std::string> kProviderOrder = {"name",
                                                 "owner",
                                                 "server",
                                                 "username",
                                                 "password_set",
                                                 "auth_username",
                                                 "outbound_proxy",
                                                 "from",
                                                 "custom_headers",
                                                 "register_enabled",
                                                 "register_contact",
                                                 "register_expiry",
                                                 "register_server",
                                                 "register_realm",
                                                 "read_only",
                                                 "id",
                                                 "created"};

}  // namespace

void render_json(std::ostream& out, const json& result) {
  if (result.is_array()) {
    for (const auto& item : result) out << dump(item) << "\n";
  } else {
    out << dump(result) << "\n";
  }
  out.flush();
}

void render_human(std::ostream& out, const Request& r, const json& result) {
  const std::string& c = r.command;
  if (c == "dialplan test") {
    // The dry run's trace: dialplan-test's human summary, legs included.
    for (const auto& event : result) cli::print_trace_human(out, event, r.verbosity + 1);
  } else if (c == "customer list") {
    table(out, result,
          {{"USERNAME", "username"},
           {"ADMIN", "admin"},
           {"DISABLED", "disabled"},
           {"TIME_ZONE", "time_zone"},
           {"MAX_ACCOUNTS", "max_accounts"},
           {"MAX_EXECUTIONS", "max_executions"},
           {"CREATED", "created"}});
  } else if (c == "domain list") {
    table(out, result,
          {{"NAME", "name"}, {"ALIASES", "aliases"}, {"OWNER", "owner"}, {"CREATED", "created"}});
  } else if (c == "account list") {
    table(out, result,
          {{"USERNAME", "username"},
           {"DOMAIN", "domain"},
           {"OWNER", "owner"},
           {"DISABLED", "disabled"},
           {"INCOMING_ONLY", "incoming_only"},
           {"KEEPALIVE", "keepalive"},
           {"DESCRIPTION", "description"}});
  } else if (c == "binding list") {
    table(out, result,
          {{"ACCOUNT", "account"},
           {"CONTACT", "contact_uri"},
           {"TRANSPORT", "transport"},
           {"SOURCE", "remote"},
           {"MANGLED", "mangled"},
           {"EXPIRES_IN", "expires_in"},
           {"USER_AGENT", "user_agent"}});
  } else if (c == "call list") {
    table(out, result,
          {{"ID", "id"},
           {"OWNER", "owner"},
           {"ACCOUNT", "account"},
           {"DIR", "direction"},
           {"STATE", "state"},
           {"REQUEST_URI", "request_uri"},
           {"ANSWERED_BY", "answered_by"},
           {"LEGS", "legs"}});
  } else if (c == "provider list") {
    table(out, result,
          {{"OWNER", "owner"},
           {"NAME", "name"},
           {"SERVER", "server"},
           {"USERNAME", "username"},
           {"PASSWORD_SET", "password_set"},
           {"REGISTER", "register_enabled"},
           {"CREATED", "created"}});
  } else if (c == "provider status") {
    table(out, result,
          {{"OWNER", "owner"},
           {"NAME", "name"},
           {"STATE", "state"},
           {"EXPIRES_IN", "expires_in"},
           {"NEXT_ATTEMPT_IN", "next_attempt_in"},
           {"ATTEMPTS", "attempts"},
           {"TARGET", "target"},
           {"REASON", "reason"}});
  } else if (c == "dialplan list") {
    table(out, result,
          {{"OWNER", "owner"},
           {"NAME", "name"},
           {"TYPE", "type"},
           {"BYTES", "source_bytes"},
           {"UPDATED", "updated"},
           {"DESCRIPTION", "description"}});
  } else if (c == "cdr list") {
    json rows = json::array();
    for (auto row : result) {  // times are unix milliseconds
      if (row.contains("created") && row["created"].is_number_integer())
        row["created"] = row["created"].get<std::int64_t>() / 1000;
      rows.push_back(std::move(row));
    }
    table(out, rows,
          {{"CREATED", "created"},
           {"DIR", "direction"},
           {"OWNER", "owner"},
           {"ACCOUNT", "account"},
           {"DST_URI", "dst_uri"},
           {"FROM_USER", "from_user"},
           {"STATUS", "answer_status"},
           {"RING_S", "ring_duration"},
           {"TALK_S", "talk_duration"},
           {"CALL_ID", "call_id"}});
  } else if (c.starts_with("provider ") && result.is_object() && result.contains("name")) {
    record(out, result, kProviderOrder);
  } else if (c.starts_with("dialplan ") && result.is_object() && result.contains("name")) {
    json head = result;
    head.erase("source");
    record(out, head,
           {"name", "owner", "type", "description", "id", "source_bytes", "created", "updated"});
    if (c == "dialplan show" && result.contains("source") && result["source"].is_string()) {
      std::string source = result["source"].get<std::string>();
      out << "---\n" << source << (source.empty() || source.back() == '\n' ? "" : "\n");
    }
  } else if (c.starts_with("customer ") && result.is_object() && result.contains("username")) {
    record(out, result, kCustomerOrder);
  } else if (c.starts_with("domain ") && result.is_object() && result.contains("name")) {
    record(out, result, {"name", "aliases", "owner", "id", "created"});
  } else if (c == "account passwd") {
    out << "password changed for " << cell(result.value("username", json()), "") << "@"
        << cell(result.value("domain", json()), "") << "\n";
    if (!r.generated_password.empty())
      out << "password: " << r.generated_password << "   (generated; shown only now)\n";
  } else if (c.starts_with("account ") && result.is_object() && result.contains("username")) {
    record(out, result, kAccountOrder);
  } else if (c == "binding rm") {
    out << "removed " << cell(result.value("removed", json(0)), "") << " binding(s)\n";
  } else if (result.is_object() && result.size() == 1 && result.contains("removed")) {
    out << "removed\n";
  } else if (c == "reload") {
    out << "reloaded\n";
  } else if (c == "stats") {
    flat(out, result, "");
  } else if (c == "import") {
    out << (r.params.value("dry_run", false) ? "dry run, nothing changed: would import "
                                             : "imported ")
        << cell(result.value("customers", json(0)), "") << " customer(s), "
        << cell(result.value("domains", json(0)), "") << " domain(s), "
        << cell(result.value("accounts", json(0)), "") << " account(s)"
        << (result.contains("providers") ? ", " + cell(result["providers"], "") + " provider(s)"
                                         : std::string())
        << (result.contains("dialplans") ? ", " + cell(result["dialplans"], "") + " dial plan(s)"
                                         : std::string())
        << (r.params.value("replace", false) ? " (replacing the rest)" : "") << "\n";
  } else {
    out << dump(result, 2) << "\n";  // export, raw
  }
  out.flush();
}

}  // namespace sipsmith::sipctl
