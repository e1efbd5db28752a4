#include "sip/engine/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "sip/auth/server_algorithms.hpp"
#include "sip/policy/ip_acl.hpp"

namespace sip::engine {
namespace {

using json = nlohmann::json;

// A config problem: the static detail for Error, the full text for people.
struct Problem {
  std::string text;
};

[[noreturn]] void fail(const std::string& text) {
  throw Problem{text};
}

void check_keys(const json& obj, const std::string& where,
                std::initializer_list<std::string_view> allowed) {
  if (!obj.is_object()) fail(where + ": expected an object");
  for (const auto& [key, value] : obj.items()) {
    bool ok = false;
    for (auto a : allowed) ok = ok || key == a;
    if (!ok) fail(where + ": unknown field \"" + key + "\"");
  }
}

std::string get_string(const json& obj, const char* key, const std::string& where,
                       std::string fallback) {
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_string()) fail(where + "." + key + ": expected a string");
  return it->get<std::string>();
}

bool get_bool(const json& obj, const char* key, const std::string& where, bool fallback) {
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_boolean()) fail(where + "." + key + ": expected true or false");
  return it->get<bool>();
}

std::int64_t get_int(const json& obj, const char* key, const std::string& where,
                     std::int64_t fallback, std::int64_t min, std::int64_t max) {
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_number_integer()) fail(where + "." + key + ": expected an integer");
  auto v = it->get<std::int64_t>();
  if (v < min || v > max) {
    fail(where + "." + key + ": " + std::to_string(v) + " is outside " + std::to_string(min) +
         ".." + std::to_string(max));
  }
  return v;
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path == ":memory:" || base_dir.empty()) return path;
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

void parse_listen(const json& list, ServerConfig& cfg) {
  if (!list.is_array() || list.empty()) fail("listen: expected a non-empty array");
  cfg.transport.listen.clear();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = "listen[" + std::to_string(i) + "]";
    check_keys(list[i], where, {"transport", "address"});
    auto kind = transport::kind_from_name(get_string(list[i], "transport", where, "udp"));
    if (!kind) fail(where + ".transport: expected udp, tcp or tls");
    const std::string text = get_string(list[i], "address", where, "");
    auto addr = transport::SocketAddress::parse(text, transport::default_port(*kind));
    if (!addr) fail(where + ".address: \"" + text + "\" is not ip:port or [ipv6]:port");
    cfg.transport.listen.push_back({*kind, *addr});
  }
}

// A non-empty array of digest algorithm names, order kept: the order of
// the challenges on the wire.
auth::AlgorithmList parse_algorithms(const json& list, const std::string& where) {
  const std::string expected = ": expected a non-empty array of \"MD5\" and/or \"SHA-256\"";
  if (!list.is_array() || list.empty()) fail(where + expected);
  std::vector<std::string> names;
  for (const auto& a : list) {
    if (!a.is_string()) fail(where + expected);
    names.push_back(a.get<std::string>());
  }
  auto parsed = auth::server_algorithms_from(names);
  if (!parsed) {
    fail(where + "[" + std::to_string(parsed.error().offset) + "]: \"" +
         names[std::min<std::size_t>(parsed.error().offset, names.size() - 1)] +
         "\": " + std::string(parsed.error().detail));
  }
  return std::move(parsed).value();
}

void parse_registrar(const json& r, ServerConfig& cfg) {
  const std::string w = "registrar";
  check_keys(r, w,
             {"min_expires", "max_expires", "default_expires", "max_bindings", "keepalive_interval",
              "user_agent_rules", "algorithms", "nonce_lifetime", "strict_digest_uri"});
  auto& rc = cfg.registrar;
  using std::chrono::seconds;
  rc.min_expires = seconds(get_int(r, "min_expires", w, rc.min_expires.count(), 1, 86400));
  rc.max_expires = seconds(get_int(r, "max_expires", w, rc.max_expires.count(), 1, 7 * 86400));
  rc.default_expires =
      seconds(get_int(r, "default_expires", w, rc.default_expires.count(), 1, 7 * 86400));
  if (rc.max_expires < rc.min_expires) fail("registrar.max_expires: below min_expires");
  rc.max_bindings = static_cast<std::size_t>(
      get_int(r, "max_bindings", w, static_cast<std::int64_t>(rc.max_bindings), 1, 1000));
  rc.keepalive_interval =
      seconds(get_int(r, "keepalive_interval", w, rc.keepalive_interval.count(), 5, 3600));
  rc.strict_digest_uri = get_bool(r, "strict_digest_uri", w, rc.strict_digest_uri);
  cfg.nonce_lifetime =
      seconds(get_int(r, "nonce_lifetime", w, cfg.nonce_lifetime.count(), 10, 3600));
  if (auto it = r.find("user_agent_rules"); it != r.end()) {
    if (!it->is_array()) fail("registrar.user_agent_rules: expected an array");
    rc.user_agent_rules.clear();
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string where = "registrar.user_agent_rules[" + std::to_string(i) + "]";
      const json& rule = (*it)[i];
      check_keys(rule, where, {"pattern", "max_expires", "algorithms"});
      registrar::UserAgentRule u;
      u.pattern = get_string(rule, "pattern", where, "");
      if (u.pattern.empty()) fail(where + ".pattern: required");
      if (rule.contains("max_expires"))
        u.max_expires = seconds(get_int(rule, "max_expires", where, 3600, 1, 7 * 86400));
      if (auto a = rule.find("algorithms"); a != rule.end())
        u.algorithms = parse_algorithms(*a, where + ".algorithms");
      // A rule with only a pattern caps at 3600 s, as before "algorithms"
      // existed (config files written then keep their meaning).
      if (!u.max_expires && u.algorithms.empty()) u.max_expires = seconds(3600);
      rc.user_agent_rules.push_back(std::move(u));
    }
  }
  if (auto it = r.find("algorithms"); it != r.end())
    rc.algorithms = parse_algorithms(*it, "registrar.algorithms");
}

void parse_security(const json& s, ServerConfig& cfg) {
  const std::string w = "security";
  check_keys(s, w, {"max_failures", "failure_window", "block_for", "block_silently"});
  auto& g = cfg.security;
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  g.max_failures = static_cast<std::size_t>(
      get_int(s, "max_failures", w, static_cast<std::int64_t>(g.max_failures), 0, 100000));
  g.failure_window = seconds(
      get_int(s, "failure_window", w, duration_cast<seconds>(g.failure_window).count(), 1, 86400));
  g.block_for = seconds(
      get_int(s, "block_for", w, duration_cast<seconds>(g.block_for).count(), 1, 7 * 86400));
  cfg.block_silently = get_bool(s, "block_silently", w, cfg.block_silently);
}

// "flood": the per-source request rate limit (policy/flood_guard.hpp).
void parse_flood(const json& f, policy::FloodConfig& out) {
  const char* w = "flood";
  check_keys(f, w, {"enabled", "per_second", "burst", "block_for", "allow"});
  out.enabled = get_bool(f, "enabled", w, out.enabled);
  out.per_second = static_cast<unsigned>(get_int(f, "per_second", w, out.per_second, 1, 1000000));
  out.burst = static_cast<unsigned>(get_int(f, "burst", w, out.burst, 1, 10000000));
  out.block_for = std::chrono::seconds(
      get_int(f, "block_for", w,
              std::chrono::duration_cast<std::chrono::seconds>(out.block_for).count(), 1, 86400));
  if (auto a = f.find("allow"); a != f.end()) {
    if (!a->is_array()) fail("flood.allow: expected an array of addresses or CIDRs");
    std::string acl;
    for (const auto& v : *a) {
      if (!v.is_string() || v.get<std::string>().empty() ||
          !policy::check_ip_acl(v.get<std::string>()) ||
          v.get<std::string>().find(',') != std::string::npos)
        fail("flood.allow: expected addresses or CIDRs such as \"192.0.2.0/24\" or \"::1\"");
      if (!acl.empty()) acl += ',';
      acl += v.get<std::string>();
    }
    out.allow = std::move(acl);
  }
}

LogLevel parse_level(const std::string& s) {
  const std::string l = lower(s);
  if (l == "trace") return LogLevel::Trace;
  if (l == "debug") return LogLevel::Debug;
  if (l == "info") return LogLevel::Info;
  if (l == "warn" || l == "warning") return LogLevel::Warn;
  if (l == "error") return LogLevel::Error;
  if (l == "off") return LogLevel::Off;
  fail("log.level: expected trace, debug, info, warn, error or off");
}

// b2bua.fraud: the guard of redirect, transfer and callback targets.
void parse_fraud(const json& f, dialer::FraudConfig& out) {
  const char* w = "b2bua.fraud";
  check_keys(f, w, {"enabled", "denied_prefixes", "per_minute", "all_dials"});
  out.enabled = get_bool(f, "enabled", w, out.enabled);
  if (auto p = f.find("denied_prefixes"); p != f.end()) {
    if (!p->is_array()) fail("b2bua.fraud.denied_prefixes: expected an array of number prefixes");
    out.denied_prefixes.clear();
    for (const auto& v : *p) {
      if (!v.is_string() || v.get<std::string>().empty())
        fail("b2bua.fraud.denied_prefixes: expected non-empty strings such as \"+1900\"");
      out.denied_prefixes.push_back(v.get<std::string>());
    }
  }
  out.per_minute = static_cast<unsigned>(get_int(f, "per_minute", w, out.per_minute, 0, 100000));
  out.all_dials = get_bool(f, "all_dials", w, out.all_dials);
}

// b2bua.limits: outgoing calls per account and customer (0: no limit).
void parse_call_limits(const json& l, b2bua::CallLimits& out) {
  const char* w = "b2bua.limits";
  check_keys(l, w,
             {"account_calls", "customer_calls", "account_per_minute", "customer_per_minute"});
  auto field = [&](const char* name, unsigned& v) {
    v = static_cast<unsigned>(get_int(l, name, w, v, 0, 1000000));
  };
  field("account_calls", out.account_calls);
  field("customer_calls", out.customer_calls);
  field("account_per_minute", out.account_per_minute);
  field("customer_per_minute", out.customer_per_minute);
}

// b2bua.webget: sys.WebGet, off unless "allow" lists URL prefixes.
void parse_webget(const json& w, http::WebGetConfig& out) {
  const char* where = "b2bua.webget";
  check_keys(w, where, {"allow", "threads", "max_queue", "max_timeout_seconds", "max_bytes"});
  if (auto a = w.find("allow"); a != w.end()) {
    if (!a->is_array()) fail("b2bua.webget.allow: expected an array of URL prefixes");
    out.allow.clear();
    for (const auto& v : *a) {
      const std::string url = v.is_string() ? v.get<std::string>() : std::string();
      std::string why;
      if (url.empty() || !http::allowed_target({url}, url, &why))
        fail(
            "b2bua.webget.allow: expected http:// URL prefixes such as "
            "\"http://10.0.0.5:8080/lookup/\", not " +
            v.dump());
      out.allow.push_back(url);
    }
  }
  out.threads = static_cast<std::size_t>(
      get_int(w, "threads", where, static_cast<std::int64_t>(out.threads), 1, 32));
  out.max_queue = static_cast<std::size_t>(
      get_int(w, "max_queue", where, static_cast<std::int64_t>(out.max_queue), 1, 10000));
  out.max_timeout_seconds =
      static_cast<int>(get_int(w, "max_timeout_seconds", where, out.max_timeout_seconds, 1, 300));
  out.max_bytes = static_cast<std::size_t>(
      get_int(w, "max_bytes", where, static_cast<std::int64_t>(out.max_bytes), 1, 10 << 20));
}

ServerConfig parse_object(const json& root, const std::string& base_dir) {
  ServerConfig cfg = default_config(base_dir);
  check_keys(
      root, "config",
      {"listen", "tls", "domains", "default_domain", "node", "store", "control", "http",
       "registrar", "security", "flood", "limits", "log", "b2bua", "dns", "provider_registration"});
  if (auto it = root.find("listen"); it != root.end()) parse_listen(*it, cfg);
  if (auto it = root.find("node"); it != root.end()) {
    const std::string node = it->is_string() ? it->get<std::string>() : std::string();
    const bool ok =
        !node.empty() && node.size() <= 64 && std::all_of(node.begin(), node.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
        });
    if (!ok) fail("node: expected 1 to 64 of [A-Za-z0-9._-], e.g. \"sip1\"");
    cfg.node = node;
  }
  if (auto it = root.find("tls"); it != root.end()) {
    check_keys(*it, "tls", {"cert", "key", "ca", "verify_peer"});
    cfg.transport.tls.cert_file = resolve(base_dir, get_string(*it, "cert", "tls", ""));
    cfg.transport.tls.key_file = resolve(base_dir, get_string(*it, "key", "tls", ""));
    cfg.transport.tls.ca_file = resolve(base_dir, get_string(*it, "ca", "tls", ""));
    cfg.transport.tls.verify_peer = get_bool(*it, "verify_peer", "tls", true);
  }
  if (auto it = root.find("domains"); it != root.end()) {
    if (!it->is_array()) fail("domains: expected an array of host names");
    cfg.domains.clear();
    for (const auto& d : *it) {
      if (!d.is_string() || d.get<std::string>().empty()) fail("domains: expected host names");
      cfg.domains.push_back(lower(d.get<std::string>()));
    }
  }
  // The built-in default domain only stands when the file names no domains.
  if (root.contains("domains")) cfg.default_domain.clear();
  cfg.default_domain = lower(get_string(root, "default_domain", "config", cfg.default_domain));
  if (cfg.default_domain.empty() && !cfg.domains.empty()) cfg.default_domain = cfg.domains.front();
  if (!cfg.default_domain.empty() &&
      std::find(cfg.domains.begin(), cfg.domains.end(), cfg.default_domain) == cfg.domains.end()) {
    fail("default_domain: \"" + cfg.default_domain + "\" is not one of \"domains\"");
  }
  if (auto it = root.find("store"); it != root.end()) {
    check_keys(*it, "store",
               {"path", "url", "synchronous_full", "commit_linger_ms", "cdr_flush_ms",
                "refresh_flush_ms", "connect_timeout_ms", "query_timeout_ms", "retry_interval_ms",
                "ack_timeout_ms", "max_queue"});
    cfg.cdr_flush = std::chrono::milliseconds(
        get_int(*it, "cdr_flush_ms", "store", cfg.cdr_flush.count(), 0, 1000));
    cfg.commit_linger = std::chrono::milliseconds(
        get_int(*it, "commit_linger_ms", "store", cfg.commit_linger.count(), 0, 100));
    cfg.refresh_flush = std::chrono::milliseconds(
        get_int(*it, "refresh_flush_ms", "store", cfg.refresh_flush.count(), 0, 60000));
    cfg.store.path = resolve(base_dir, get_string(*it, "path", "store", cfg.store.path));
    cfg.store.synchronous_full = get_bool(*it, "synchronous_full", "store", false);
    const std::string url = get_string(*it, "url", "store", "");
    if (url.rfind("sqlite:", 0) == 0) {
      if (it->contains("path")) fail("store.url and store.path: give one of them");
      cfg.store.path = resolve(base_dir, url.substr(7));
    } else if (!url.empty()) {
      if (!store::is_postgres_url(url)) {
        fail(
            "store.url: expected postgresql://..., a libpq conninfo (key=value ...) or "
            "sqlite:PATH");
      }
      if (it->contains("path")) fail("store.url and store.path: give one of them");
      cfg.postgres.url = url;
    }
    cfg.postgres.connect_timeout = std::chrono::milliseconds(get_int(
        *it, "connect_timeout_ms", "store", cfg.postgres.connect_timeout.count(), 100, 600000));
    cfg.postgres.query_timeout = std::chrono::milliseconds(get_int(
        *it, "query_timeout_ms", "store", cfg.postgres.query_timeout.count(), 100, 3600000));
    cfg.postgres.retry_interval = std::chrono::milliseconds(get_int(
        *it, "retry_interval_ms", "store", cfg.postgres.retry_interval.count(), 10, 600000));
    cfg.store_ack_timeout = std::chrono::milliseconds(
        get_int(*it, "ack_timeout_ms", "store", cfg.store_ack_timeout.count(), 0, 3600000));
    cfg.store_max_queue = static_cast<std::size_t>(get_int(
        *it, "max_queue", "store", static_cast<std::int64_t>(cfg.store_max_queue), 1, 10000000));
  }
  if (auto it = root.find("control"); it != root.end()) {
    check_keys(*it, "control", {"socket", "mode"});
    cfg.control.socket =
        resolve(base_dir, get_string(*it, "socket", "control", cfg.control.socket));
    const std::string mode = get_string(*it, "mode", "control", "0600");
    try {
      std::size_t used = 0;
      unsigned long m = std::stoul(mode, &used, 8);
      if (used != mode.size() || m > 0777) throw std::invalid_argument("mode");
      cfg.control.mode = static_cast<unsigned>(m);
    } catch (const std::exception&) {
      fail("control.mode: expected an octal permission string such as \"0660\"");
    }
  }
  if (auto it = root.find("http"); it != root.end()) {
    check_keys(*it, "http",
               {"bind", "tls_cert", "tls_key", "cors_origins", "session_lifetime", "login_attempts",
                "login_window", "threads"});
    auto& h = cfg.http;
    h.bind = get_string(*it, "bind", "http", h.bind);
    h.tls_cert = resolve(base_dir, get_string(*it, "tls_cert", "http", ""));
    h.tls_key = resolve(base_dir, get_string(*it, "tls_key", "http", ""));
    if (h.tls_cert.empty() != h.tls_key.empty())
      fail("http.tls_cert and http.tls_key: give both (HTTPS) or neither (HTTP)");
    std::string host;
    int port = 0;
    if (!h.bind.empty() && !http::split_bind(h.bind, &host, &port))
      fail("http.bind: expected \"host:port\", e.g. \"127.0.0.1:8080\"");
    if (auto o = it->find("cors_origins"); o != it->end()) {
      if (!o->is_array()) fail("http.cors_origins: expected an array of origins");
      for (const auto& v : *o) {
        if (!v.is_string())
          fail("http.cors_origins: expected strings such as \"https://a.example\"");
        h.cors_origins.push_back(v.get<std::string>());
      }
    }
    h.session_lifetime = std::chrono::seconds(
        get_int(*it, "session_lifetime", "http", h.session_lifetime.count(), 1, 30 * 86400));
    h.login_attempts =
        static_cast<int>(get_int(*it, "login_attempts", "http", h.login_attempts, 1, 100000));
    h.login_window = std::chrono::seconds(
        get_int(*it, "login_window", "http", h.login_window.count(), 1, 86400));
    h.threads = static_cast<std::size_t>(
        get_int(*it, "threads", "http", static_cast<std::int64_t>(h.threads), 1, 64));
  }
  if (auto it = root.find("registrar"); it != root.end()) parse_registrar(*it, cfg);
  if (auto it = root.find("b2bua"); it != root.end()) {
    check_keys(*it, "b2bua",
               {"cdrs", "max_calls", "max_executions", "max_legs", "fraud", "webget", "limits"});
    auto& b = cfg.b2bua;
    b.cdrs = get_bool(*it, "cdrs", "b2bua", b.cdrs);
    b.max_calls = static_cast<std::size_t>(
        get_int(*it, "max_calls", "b2bua", static_cast<std::int64_t>(b.max_calls), 1, 1000000));
    b.max_executions = static_cast<std::size_t>(get_int(
        *it, "max_executions", "b2bua", static_cast<std::int64_t>(b.max_executions), 1, 100000));
    b.max_legs = static_cast<std::size_t>(
        get_int(*it, "max_legs", "b2bua", static_cast<std::int64_t>(b.max_legs), 1, 100));
    if (auto f = it->find("fraud"); f != it->end()) parse_fraud(*f, b.fraud);
    if (auto l = it->find("limits"); l != it->end()) parse_call_limits(*l, b.limits);
    if (auto w = it->find("webget"); w != it->end()) parse_webget(*w, cfg.webget);
  }
  if (auto it = root.find("provider_registration"); it != root.end()) {
    const char* w = "provider_registration";
    check_keys(
        *it, w,
        {"enabled", "start_rate", "stop_rate", "min_gap_ms", "retry_base_ms", "retry_max_ms"});
    auto& p = cfg.provider_registration;
    using ms = std::chrono::milliseconds;
    cfg.provider_registration_enabled = get_bool(*it, "enabled", w, true);
    p.start_rate = static_cast<double>(
        get_int(*it, "start_rate", w, static_cast<std::int64_t>(p.start_rate), 1, 10000));
    p.stop_rate = static_cast<double>(
        get_int(*it, "stop_rate", w, static_cast<std::int64_t>(p.stop_rate), 1, 10000));
    p.retry.min_gap = ms(get_int(*it, "min_gap_ms", w, p.retry.min_gap.count(), 100, 3600000));
    p.retry.base = ms(get_int(*it, "retry_base_ms", w, p.retry.base.count(), 100, 3600000));
    p.retry.max = ms(get_int(*it, "retry_max_ms", w, p.retry.max.count(), 100, 86400000));
  }
  if (auto it = root.find("dns"); it != root.end()) {
    check_keys(*it, "dns", {"nameservers"});
    if (auto ns = it->find("nameservers"); ns != it->end()) {
      if (!ns->is_array()) fail("dns.nameservers: expected an array of \"ip[:port]\" strings");
      for (const auto& n : *ns) {
        if (!n.is_string()) fail("dns.nameservers: expected strings");
        cfg.nameservers.push_back(n.get<std::string>());
      }
    }
  }
  if (auto it = root.find("security"); it != root.end()) parse_security(*it, cfg);
  if (auto it = root.find("flood"); it != root.end()) parse_flood(*it, cfg.flood);
  if (auto it = root.find("limits"); it != root.end()) {
    check_keys(*it, "limits", {"max_message_size", "max_connections", "idle_timeout"});
    cfg.transport.limits.max_message_size = static_cast<std::size_t>(
        get_int(*it, "max_message_size", "limits",
                static_cast<std::int64_t>(cfg.transport.limits.max_message_size), 1024, 1 << 20));
    cfg.transport.max_connections = static_cast<std::size_t>(
        get_int(*it, "max_connections", "limits",
                static_cast<std::int64_t>(cfg.transport.max_connections), 1, 1000000));
    cfg.transport.idle_timeout = std::chrono::seconds(get_int(
        *it, "idle_timeout", "limits",
        std::chrono::duration_cast<std::chrono::seconds>(cfg.transport.idle_timeout).count(), 10,
        86400));
  }
  if (auto it = root.find("log"); it != root.end()) {
    check_keys(*it, "log", {"level"});
    cfg.log_level = parse_level(get_string(*it, "level", "log", "info"));
  }
  if (cfg.domains.empty()) fail("domains: at least one served domain is required");
  if (cfg.store.path.empty() && cfg.postgres.url.empty()) fail("store.path: required");
  if (cfg.control.socket.empty()) fail("control.socket: required");
  return cfg;
}

}  // namespace

std::string store_description(const ServerConfig& config) {
  return config.postgres.url.empty() ? config.store.path
                                     : store::redact_postgres_url(config.postgres.url);
}

ServerConfig default_config(const std::string& dir) {
  ServerConfig cfg;
  auto addr = transport::SocketAddress::parse("127.0.0.1:5060");
  cfg.transport.listen = {{transport::Kind::Udp, *addr}, {transport::Kind::Tcp, *addr}};
  cfg.domains = {"sipsmith.test"};
  cfg.default_domain = "sipsmith.test";
  cfg.store.path = resolve(dir, "sipsmith.db");
  cfg.control.socket = resolve(dir, "sipproxyd.sock");
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') cfg.node = host;
  if (cfg.node.size() > 64) cfg.node.resize(64);
  return cfg;
}

Result<ServerConfig> parse_config(std::string_view text, const std::string& base_dir,
                                  std::string* message) {
  try {
    json root = json::parse(text, nullptr, true, /*ignore_comments=*/true);
    return parse_object(root, base_dir);
  } catch (const Problem& p) {
    if (message) *message = p.text;
  } catch (const json::exception& e) {
    if (message) *message = std::string("not valid JSON: ") + e.what();
  }
  return Error{Errc::bad_config, 0, "invalid configuration"};
}

Result<ServerConfig> load_config(const std::string& path, std::string* message) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (message) *message = "cannot read " + path;
    return Error{Errc::bad_config, 0, "cannot read the config file"};
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string base = std::filesystem::absolute(path).parent_path().string();
  auto cfg = parse_config(text.str(), base, message);
  if (cfg) cfg->source_path = std::filesystem::absolute(path).string();
  if (!cfg && message) *message = path + ": " + *message;
  return cfg;
}

}  // namespace sip::engine
