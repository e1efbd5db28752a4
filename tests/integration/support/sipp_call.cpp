#include "support/sipp_call.hpp"

#include <map>
#include <regex>
#include <stdexcept>

#include "sip/parser/parse.hpp"

#ifndef SIPPROXYD_SCENARIO_DIR
#error "SIPPROXYD_SCENARIO_DIR must name tests/integration/sipproxyd/scenarios"
#endif

namespace sipsmith::itest {
namespace {

constexpr int kStartAttempts = 3;
constexpr Millis kReady{5000};
constexpr Millis kRegister{10000};

std::string sipp_program() {
  std::string path = find_program("sipp");
  if (path.empty())
    throw std::runtime_error("sipp not found: install the Debian package sip-tester");
  return path;
}

std::vector<std::pair<std::string, std::string>> with_defaults(
    const std::vector<std::pair<std::string, std::string>>& keys) {
  std::map<std::string, std::string> all = {{"domain", "sipsmith.test"},
                                            {"from_user", "carol"},
                                            {"from_host", "example.net"},
                                            {"offer_ip", "127.0.0.1"},
                                            {"answer_ip", "127.0.0.1"}};
  for (const auto& [k, v] : keys) all[k] = v;
  return {all.begin(), all.end()};
}

// Start of the next log entry after `from`: a line opening with one of the
// scenarios' markers (an upper-case word ending in "-RECEIVED", or ANSWER,
// FINAL, CHALLENGE, CHECKED, GOT, REINVITE, AUTH-CHECK-FAILED).
std::size_t next_entry(const std::string& log, std::size_t from) {
  static const std::regex kEntry(
      "\n(?:[A-Z0-9]+-)*RECEIVED |\n(?:ANSWER|FINAL|CHALLENGE|CHECKED|GOT|REINVITE "
      "ANSWER|AUTH-CHECK-FAILED) ");
  std::smatch m;
  auto begin = log.cbegin() + static_cast<std::ptrdiff_t>(from);
  if (!std::regex_search(begin, log.cend(), m, kEntry)) return log.size();
  return from + static_cast<std::size_t>(m.position(0));
}

}  // namespace

SippCall::SippCall(const TempDir& dir, SippCallSpec spec) : spec_(std::move(spec)) {
  const std::string sipp = sipp_program();
  const bool uas = spec_.remote.empty();
  std::string last_error;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    port_ = spec_.port != 0 ? spec_.port : free_port("127.0.0.1");
    tag_ = spec_.scenario.substr(spec_.scenario.rfind('/') + 1) + "-" + std::to_string(port_) +
           "-" + std::to_string(attempt);
    log_file_ = dir.file(tag_ + ".log");
    error_file_ = dir.file(tag_ + ".errors");
    message_file_ = dir.file(tag_ + ".messages");
    screen_file_ = dir.file(tag_ + ".out");
    SpawnOptions o;
    o.argv = {sipp};
    if (!uas) o.argv.push_back(spec_.remote);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(spec_.timeout).count();
    const std::string scenario = spec_.scenario.rfind('/', 0) == 0
                                     ? spec_.scenario
                                     : std::string(SIPPROXYD_SCENARIO_DIR) + "/" + spec_.scenario;
    o.argv.insert(o.argv.end(), {"-sf",
                                 scenario,
                                 "-i",
                                 "127.0.0.1",
                                 "-p",
                                 std::to_string(port_),
                                 "-t",
                                 spec_.transport,
                                 "-m",
                                 std::to_string(spec_.calls),
                                 "-nostdin",
                                 "-cp",
                                 std::to_string(free_port("127.0.0.1")),
                                 "-timeout",
                                 std::to_string(seconds) + "s",
                                 "-timeout_error",
                                 "-trace_err",
                                 "-error_file",
                                 error_file_,
                                 "-trace_logs",
                                 "-log_file",
                                 log_file_,
                                 "-trace_msg",
                                 "-message_file",
                                 message_file_});
    if (!spec_.service.empty()) o.argv.insert(o.argv.end(), {"-s", spec_.service});
    if (spec_.rate > 0) o.argv.insert(o.argv.end(), {"-r", std::to_string(spec_.rate)});
    o.argv.insert(o.argv.end(), spec_.extra.begin(), spec_.extra.end());
    for (const auto& [k, v] : with_defaults(spec_.keys))
      o.argv.insert(o.argv.end(), {"-key", k, v});
    o.cwd = dir.path().string();
    o.stdout_file = screen_file_;
    o.stderr_file = screen_file_ + ".stderr";
    child_ = std::make_unique<Child>(o);
    if (!uas) return;  // a UAC starts sending at once; its exit status tells the rest
    const Proto proto = spec_.transport == "t1" ? Proto::Tcp : Proto::Udp;
    if (wait_bound(proto, "127.0.0.1", port_, kReady) && child_->running()) return;
    child_->stop();
    last_error = diagnostics();
    if (spec_.port != 0) break;  // a fixed port: retrying cannot help
  }
  throw std::runtime_error("sipp " + spec_.scenario + " did not start: " + last_error);
}

SippCall::~SippCall() {
  if (child_) child_->stop(Millis(1000));
}

pid_t SippCall::pid() const noexcept {
  return child_ ? child_->pid() : -1;
}

std::string SippCall::first_call_id() const {
  return "1-" + std::to_string(pid()) + "@127.0.0.1";
}

std::optional<int> SippCall::wait(Millis limit) {
  return child_->wait_for(limit);
}

int SippCall::finish(Millis limit) {
  if (auto status = child_->wait_for(limit)) return *status;
  child_->stop(Millis(1000));
  return -1;
}

std::string SippCall::log() const {
  return read_file(log_file_);
}

std::string SippCall::logged(std::string_view marker) const {
  const std::string text = "\n" + log();
  const std::string needle = "\n" + std::string(marker) + " ";
  const auto at = text.find(needle);
  if (at == std::string::npos) return {};
  const std::size_t start = at + needle.size();
  return text.substr(start, next_entry(text, start) - start);
}

std::string SippCall::diagnostics() const {
  return "\n--- sipp " + tag_ + " errors:\n" + read_file(error_file_) + "\n--- stderr:\n" +
         read_file(screen_file_ + ".stderr") + "\n--- log actions:\n" + log() +
         "\n--- messages:\n" + read_file(message_file_);
}

std::unique_ptr<SippCall> start_phone(const TempDir& dir, const std::string& daemon_address,
                                      const std::string& user, const std::string& scenario,
                                      std::vector<std::pair<std::string, std::string>> keys,
                                      const std::string& domain, int calls) {
  std::string last_error;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    SippCallSpec reg;
    reg.scenario = "call_register.xml";
    reg.remote = daemon_address;
    reg.service = user;
    reg.keys = {{"domain", domain}};
    reg.timeout = kRegister;
    SippCall registration(dir, reg);
    const auto status = registration.finish(kRegister + Millis(5000));
    if (status != 0) {
      throw std::runtime_error("registering " + user + "@" + domain + " failed (sipp status " +
                               std::to_string(status) + ")" + registration.diagnostics());
    }
    // The binding points at this port: the phone's UAS scenario takes it
    // over now that the registering SIPp has exited.
    SippCallSpec phone;
    phone.scenario = scenario;
    phone.port = registration.port();
    phone.keys = keys;
    phone.calls = calls;
    try {
      return std::make_unique<SippCall>(dir, phone);
    } catch (const std::runtime_error& e) {
      last_error = e.what();  // the port was taken meanwhile: register anew elsewhere
    }
    // The binding to the lost port goes first (it would fork calls to
    // whoever took that port).
    SippCallSpec unreg = reg;
    unreg.scenario = "call_unregister.xml";
    unreg.keys.push_back({"contact_port", std::to_string(registration.port())});
    SippCall removal(dir, unreg);
    if (removal.finish(kRegister + Millis(5000)) != 0)
      throw std::runtime_error("removing the binding of " + user + " at port " +
                               std::to_string(registration.port()) + " failed" +
                               removal.diagnostics());
  }
  throw std::runtime_error("phone " + user + " did not start: " + last_error);
}

std::string sip_header(const std::string& message, std::string_view name) {
  auto m = sip::parser::parse_datagram(std::string_view(message));
  if (!m) return {};
  const auto* f = m->find(name);
  return f ? std::string(m->text(f->value)) : std::string();
}

std::string sip_body(const std::string& message) {
  auto m = sip::parser::parse_datagram(std::string_view(message));
  return m ? std::string(m->body()) : std::string();
}

std::string sip_start_line(const std::string& message) {
  return message.substr(0, message.find("\r\n"));
}

}  // namespace sipsmith::itest
