#include "inputs.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace dialplan_test {
namespace {

using nlohmann::json;
using Checker = sip::control::JsonChecker;
using JsonPath = Checker::Path;
using sip::control::parse_json_text;

JsonPath key(const char* k) {
  return JsonPath{std::string(k)};
}
JsonPath idx(const char* k, std::size_t i) {
  return JsonPath{std::string(k), i};
}

Expectation read_expectation(const Checker& c, const json& e, const JsonPath& at, bool need_call) {
  c.only(e, at, {"call", "status", "reason", "kind", "answered_by", "dialled", "log_contains"});
  Expectation x;
  x.call = need_call ? c.req_str(e, at, "call") : c.str(e, at, "call");
  if (e.contains("status")) x.status = static_cast<int>(c.integer(e, at, "status", 0, 100, 699));
  if (e.contains("reason")) x.reason = c.str(e, at, "reason");
  if (e.contains("kind")) {
    x.kind = c.str(e, at, "kind");
    static const std::set<std::string> kKinds = {"answered", "responded", "unanswered",
                                                 "script_error", "cancelled"};
    if (!kKinds.count(*x.kind))
      c.fail(Checker::with(at, "kind"),
             "kind must be answered, responded, unanswered, script_error or cancelled");
  }
  if (e.contains("answered_by")) {
    x.answered_by = c.str(e, at, "answered_by");
    try {
      compile_match(*x.answered_by);
    } catch (const std::invalid_argument& err) {
      c.fail(Checker::with(at, "answered_by"), err.what());
    }
  }
  if (e.contains("dialled")) x.dialled = c.strings(e, at, "dialled");
  x.log_contains = c.strings(e, at, "log_contains");
  x.where = c.path() + ":" + std::to_string(c.line_of(at));
  return x;
}

}  // namespace

std::string read_text_file(const std::string& path) {
  const bool in = path == "-";
  std::FILE* f = in ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw InputError(path + ": cannot open file\n");
  std::string out;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
    if (out.size() > (64u << 20)) {
      if (!in) std::fclose(f);
      throw InputError(path + ": file larger than 64 MiB\n");
    }
  }
  const bool bad = std::ferror(f) != 0;
  if (!in) std::fclose(f);
  if (bad) throw InputError(path + ": read error\n");
  return out;
}

Environment load_environment(const std::string& path, const std::string& text) {
  const json doc = parse_json_text(path, text);
  Checker c(path, text);
  c.only(doc, {},
         {"owner", "dialplan_name", "time_zone", "start_time", "max_ring_seconds", "max_legs",
          "domains", "accounts", "providers", "dialplans", "fraud", "web"});
  Environment env;
  env.owner = c.str(doc, {}, "owner", env.owner);
  env.dialplan_name = c.str(doc, {}, "dialplan_name");
  env.time_zone = c.str(doc, {}, "time_zone", env.time_zone);
  env.start_time = c.time(doc, {}, "start_time", env.start_time);
  env.max_ring_seconds = static_cast<int>(c.integer(doc, {}, "max_ring_seconds", 180, 1, 3600));
  env.max_legs = static_cast<int>(c.integer(doc, {}, "max_legs", 20, 1, 1000));
  if (doc.contains("web")) {
    // sys.WebGet answers: {"http://...": "body" or null (the request fails)}.
    const json& w = doc["web"];
    if (!w.is_object()) c.fail(key("web"), "web must be an object of URL: body or null");
    for (const auto& [url, body] : w.items()) {
      if (body.is_null()) {
        env.web[url] = std::nullopt;
      } else if (body.is_string()) {
        env.web[url] = body.get<std::string>();
      } else {
        c.fail(key("web"), "web[\"" + url + "\"] must be a string or null");
      }
    }
  }
  if (doc.contains("fraud")) {
    // As the daemon's b2bua.fraud (docs/fraud-guards.md).
    const json& f = doc["fraud"];
    const JsonPath at = key("fraud");
    if (!f.is_object()) c.fail(at, "fraud must be an object");
    c.only(f, at, {"enabled", "denied_prefixes", "per_minute", "all_dials"});
    env.fraud.enabled = c.boolean(f, at, "enabled", env.fraud.enabled);
    if (f.contains("denied_prefixes"))
      env.fraud.denied_prefixes = c.strings(f, at, "denied_prefixes");
    env.fraud.per_minute =
        static_cast<unsigned>(c.integer(f, at, "per_minute", env.fraud.per_minute, 0, 100000));
    env.fraud.all_dials = c.boolean(f, at, "all_dials", env.fraud.all_dials);
  }
  if (doc.contains("domains")) {
    if (!doc["domains"].is_array()) c.fail(key("domains"), "domains must be an array");
    for (std::size_t i = 0; i < doc["domains"].size(); ++i) {
      const json& d = doc["domains"][i];
      const JsonPath at = idx("domains", i);
      EnvDomain dom;
      if (d.is_string()) {
        dom.name = d.get<std::string>();
      } else {
        c.only(d, at, {"name", "aliases"});
        dom.name = c.req_str(d, at, "name");
        dom.aliases = c.strings(d, at, "aliases");
      }
      if (dom.name.empty()) c.fail(at, "empty domain name");
      env.domains.push_back(std::move(dom));
    }
  }
  if (env.domains.empty()) env.domains.push_back(EnvDomain{"sipsmith.test", {}});
  if (doc.contains("accounts")) {
    if (!doc["accounts"].is_array()) c.fail(key("accounts"), "accounts must be an array");
    for (std::size_t i = 0; i < doc["accounts"].size(); ++i) {
      const json& a = doc["accounts"][i];
      const JsonPath at = idx("accounts", i);
      c.only(a, at,
             {"username", "domain", "owner", "out_dialplan", "in_dialplan", "incoming_only",
              "disabled", "description", "network_id", "bindings"});
      EnvAccount acc;
      acc.view.username = c.req_str(a, at, "username");
      acc.view.domain = c.str(a, at, "domain", env.domains.front().name);
      acc.view.owner = c.str(a, at, "owner", env.owner);
      acc.view.out_dialplan = c.str(a, at, "out_dialplan");
      acc.view.in_dialplan = c.str(a, at, "in_dialplan");
      acc.view.incoming_only = c.boolean(a, at, "incoming_only", false);
      acc.view.disabled = c.boolean(a, at, "disabled", false);
      acc.view.description = c.str(a, at, "description");
      acc.network_id = c.str(a, at, "network_id");
      if (a.contains("bindings")) {
        if (!a["bindings"].is_array())
          c.fail(Checker::with(at, "bindings"), "bindings must be an array");
        for (std::size_t j = 0; j < a["bindings"].size(); ++j) {
          const json& b = a["bindings"][j];
          JsonPath bat = Checker::with(at, "bindings");
          bat.emplace_back(j);
          EnvBinding binding;
          if (b.is_string()) {
            binding.contact = b.get<std::string>();
          } else {
            c.only(b, bat,
                   {"contact", "mangled", "user_agent", "transport", "remote", "expires_in"});
            binding.contact = c.req_str(b, bat, "contact");
            binding.mangled = c.str(b, bat, "mangled");
            binding.user_agent = c.str(b, bat, "user_agent");
            binding.transport = c.str(b, bat, "transport", "udp");
            binding.remote = c.str(b, bat, "remote");
            binding.expires_in = c.integer(b, bat, "expires_in", 3600, 1, 1 << 30);
          }
          if (binding.mangled.empty()) binding.mangled = binding.contact;
          acc.bindings.push_back(std::move(binding));
        }
      }
      env.accounts.push_back(std::move(acc));
    }
  }
  if (doc.contains("providers")) {
    if (!doc["providers"].is_array()) c.fail(key("providers"), "providers must be an array");
    for (std::size_t i = 0; i < doc["providers"].size(); ++i) {
      const json& p = doc["providers"][i];
      const JsonPath at = idx("providers", i);
      c.only(p, at,
             {"name", "type", "server", "username", "auth_username", "from", "custom_headers",
              "outbound_proxy", "register", "read_only"});
      sip::dialplan::ProviderView v;
      v.name = c.req_str(p, at, "name");
      if (v.name.empty() || v.name.find('.') != std::string::npos)
        c.fail(Checker::with(at, "name"), "a provider name is not empty and has no '.'");
      v.type = c.str(p, at, "type", "sip");
      v.server = c.req_str(p, at, "server");
      v.username = c.str(p, at, "username");
      v.auth_username = c.str(p, at, "auth_username");
      v.from_template = c.str(p, at, "from");
      v.custom_headers = c.str(p, at, "custom_headers");
      v.outbound_proxy = c.str(p, at, "outbound_proxy");
      v.register_enabled = c.boolean(p, at, "register", false);
      v.read_only = c.boolean(p, at, "read_only", false);
      env.providers.push_back(std::move(v));
    }
  }
  if (doc.contains("dialplans")) {
    if (!doc["dialplans"].is_array()) c.fail(key("dialplans"), "dialplans must be an array");
    const std::string dir =
        path.find('/') == std::string::npos ? std::string() : path.substr(0, path.rfind('/') + 1);
    for (std::size_t i = 0; i < doc["dialplans"].size(); ++i) {
      const json& d = doc["dialplans"][i];
      const JsonPath at = idx("dialplans", i);
      c.only(d, at, {"owner", "name", "type", "source", "file"});
      EnvPlan plan;
      plan.owner = c.str(d, at, "owner", env.owner);
      plan.name = c.req_str(d, at, "name");
      const std::string file = c.str(d, at, "file");
      if (d.contains("source") == !file.empty())
        c.fail(at, "a dial plan has either a source or a file");
      plan.source = file.empty() ? c.req_str(d, at, "source")
                                 : read_text_file(file.front() == '/' ? file : dir + file);
      auto ends = [&](const char* ext) {
        const std::string e(ext);
        return file.size() > e.size() && file.compare(file.size() - e.size(), e.size(), e) == 0;
      };
      plan.type = c.str(d, at, "type", ends(".lua") ? "lua" : ends(".json") ? "wizard" : "");
      if (plan.type != "lua" && plan.type != "wizard" && plan.type != "dialstring")
        c.fail(Checker::with(at, "type"), "type: expected lua, wizard or dialstring");
      env.dialplans.push_back(std::move(plan));
    }
  }
  return env;
}

std::vector<Call> load_calls(const std::string& path, const std::string& text) {
  std::vector<Call> calls;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.find_first_not_of(" \t") != std::string::npos &&
        line.compare(line.find_first_not_of(" \t"), 2, "//") == 0)
      continue;
    const json o = parse_json_text(path, line, line_no - 1, &text);
    Checker c(path, line, line_no - 1, &text);
    c.only(o, {},
           {"id", "direction", "uri", "to", "from", "account", "headers", "content_type", "body",
            "at", "transfer", "expect"});
    Call call;
    call.id = c.str(o, {}, "id", "call-" + std::to_string(calls.size() + 1));
    const std::string dir = c.req_str(o, {}, "direction");
    if (dir == "in") {
      call.direction = sip::dialplan::Direction::In;
    } else if (dir == "out") {
      call.direction = sip::dialplan::Direction::Out;
    } else {
      c.fail(key("direction"), "direction must be \"in\" or \"out\"");
    }
    call.uri = c.str(o, {}, "uri");
    call.to = c.str(o, {}, "to");
    if (call.uri.empty()) call.uri = call.to;
    if (call.uri.empty()) c.fail({}, "a call needs \"uri\" (the request-URI) or \"to\"");
    if (call.to.empty()) call.to = call.uri;
    call.from = c.str(o, {}, "from");  // empty: sip::dialer::default_from()
    call.account = c.str(o, {}, "account");
    call.headers = c.strings(o, {}, "headers");
    call.content_type = c.str(o, {}, "content_type");
    call.body = c.str(o, {}, "body");
    if (o.contains("at")) call.at = c.time(o, {}, "at", 0);
    call.transfer = c.boolean(o, {}, "transfer", false);
    if (o.contains("expect")) {
      call.expect = read_expectation(c, o["expect"], key("expect"), false);
      call.expect->call = call.id;
    }
    call.where = path + ":" + std::to_string(line_no);
    calls.push_back(std::move(call));
  }
  return calls;
}

std::vector<Expectation> load_expectations(const std::string& path, const std::string& text) {
  const json doc = parse_json_text(path, text);
  Checker c(path, text);
  c.only(doc, {}, {"expectations"});
  if (!doc.contains("expectations") || !doc["expectations"].is_array())
    c.fail({}, "an expectations file is {\"expectations\": [ ... ]}");
  std::vector<Expectation> out;
  for (std::size_t i = 0; i < doc["expectations"].size(); ++i)
    out.push_back(read_expectation(c, doc["expectations"][i], idx("expectations", i), true));
  return out;
}

}  // namespace dialplan_test
