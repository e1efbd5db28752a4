#include "report.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>

namespace sipsmith::sipreg {
namespace {

using cli::Json;

std::string first_line(std::string_view bytes) {
  return std::string(bytes.substr(0, bytes.find('\r')));
}

std::string ms_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ms < 10 ? "%.1f" : "%.0f", ms);
  return buf;
}

std::string seconds_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", ms / 1000.0);
  return buf;
}

Json bindings_json(const std::vector<sip::ua::Binding>& bindings) {
  Json list = Json::array();
  for (const auto& b : bindings)
    list.push_back(Json{{"contact", b.contact}, {"expires", b.expires}, {"ours", b.ours}});
  return list;
}

}  // namespace

std::string describe(const sip::transport::Destination& d) {
  return std::string(sip::transport::kind_name(d.kind)) + " " + d.address.to_string();
}

Reporter::Reporter(const Options& o, std::ostream& out, std::ostream& err)
    : style_(o.json     ? Style::Json
             : o.nagios ? Style::Nagios
                        : Style::Human),
      mode_(o.mode),
      verbosity_(o.verbosity),
      warning_ms_(o.warning_ms),
      critical_ms_(o.critical_ms),
      out_(out),
      err_(err),
      json_(out) {}

void Reporter::started(const sip::ua::RegistrationConfig& c, std::string_view registrar_text) {
  if (style_ == Style::Json) {
    json_.write("start", Json{{"aor", c.aor},
                              {"registrar", c.registrar_uri},
                              {"target", registrar_text},
                              {"expires", c.expires}});
  }
}

void Reporter::resolved(const std::vector<sip::transport::Destination>& targets, double ms) {
  if (style_ == Style::Json) {
    Json list = Json::array();
    for (const auto& t : targets)
      list.push_back(Json{{"transport", sip::transport::kind_name(t.kind)},
                          {"address", t.address.to_string()}});
    json_.write("resolved", Json{{"targets", list}, {"ms", ms}});
  } else if (style_ == Style::Human && verbosity_ > 0) {
    std::string line = "sipreg: next hop:";
    for (const auto& t : targets) line += " " + describe(t);
    err_ << line << " (" << ms_text(ms) << " ms)\n";
  }
}

void Reporter::request(std::string_view bytes, const sip::transport::Destination& to) {
  if (style_ == Style::Json) {
    Json j{{"line", first_line(bytes)}, {"to", describe(to)}, {"bytes", bytes.size()}};
    if (verbosity_ > 0) j["message"] = std::string(bytes);
    json_.write("request", j);
  } else if (style_ == Style::Human && verbosity_ > 0) {
    if (verbosity_ > 1) {
      err_ << "sipreg: >>> to " << describe(to) << "\n" << bytes << "\n";
    } else {
      err_ << "sipreg: >>> " << first_line(bytes) << " to " << describe(to) << "\n";
    }
  }
}

void Reporter::response(const sip::msg::Message& r, double elapsed_ms) {
  if (style_ == Style::Json) {
    Json j{{"status", r.status()}, {"reason", std::string(r.reason())}, {"ms", elapsed_ms}};
    if (auto c = r.cseq()) j["cseq"] = c->number;
    if (verbosity_ > 0) j["message"] = std::string(r.bytes());
    json_.write("response", j);
  } else if (style_ == Style::Human && verbosity_ > 0) {
    if (verbosity_ > 1) {
      err_ << "sipreg: <<< after " << ms_text(elapsed_ms) << " ms\n" << r.bytes() << "\n";
    } else {
      err_ << "sipreg: <<< " << r.status() << " " << r.reason() << " (" << ms_text(elapsed_ms)
           << " ms)\n";
    }
  }
}

void Reporter::state(sip::ua::RegState s, sip::ua::RegFailure f, const std::string& detail,
                     std::uint32_t expires) {
  const std::string_view name = sip::ua::reg_state_name(s);
  if (style_ == Style::Json) {
    Json j{{"state", name}};
    if (f != sip::ua::RegFailure::None) j["failure"] = sip::ua::reg_failure_name(f);
    if (!detail.empty()) j["detail"] = detail;
    if (s == sip::ua::RegState::Registered) j["expires"] = expires;
    json_.write("state", j);
  } else if (style_ == Style::Human && mode_ == Mode::Keep) {
    // A kept registration reports its life as it goes, one line per change.
    const std::string now = cli::rfc3339_now();
    out_ << now.substr(11, 8) << " " << name;
    if (s == sip::ua::RegState::Registered) out_ << " (expires " << expires << " s)";
    if (!detail.empty()) out_ << ": " << detail;
    out_ << std::endl;
  } else if (style_ == Style::Human && verbosity_ > 0) {
    err_ << "sipreg: state " << name;
    if (s == sip::ua::RegState::Registered) err_ << " (expires " << expires << " s)";
    if (!detail.empty()) err_ << ": " << detail;
    err_ << "\n";
  }
}

void Reporter::bindings(const std::vector<sip::ua::Binding>& b) {
  if (style_ == Style::Json) json_.write("bindings", Json{{"bindings", bindings_json(b)}});
}

void Reporter::failover(const sip::transport::Destination& failed,
                        const sip::transport::Destination& next, const std::string& why) {
  if (style_ == Style::Json) {
    json_.write("failover",
                Json{{"failed", describe(failed)}, {"next", describe(next)}, {"detail", why}});
  } else if (style_ == Style::Human && verbosity_ > 0) {
    err_ << "sipreg: " << describe(failed) << " failed (" << why << "), trying " << describe(next)
         << "\n";
  }
}

void Reporter::rendered(std::string_view request) {
  if (style_ == Style::Json) {
    json_.write("dry_run", Json{{"message", std::string(request)}});
  } else {
    out_ << request;
    out_.flush();
  }
}

void Reporter::warning(std::string_view text) {
  if (style_ == Style::Json) json_.write("warning", Json{{"message", text}});
  err_ << "sipreg: warning: " << text << "\n";
}

std::string Reporter::nagios_line(const Summary& s, cli::NagiosState& state) const {
  state = cli::nagios_state_for(s.code);
  std::string text;
  if (s.code == cli::ExitCode::Ok) {
    if (critical_ms_ > 0 && s.elapsed_ms > critical_ms_) {
      state = cli::NagiosState::Critical;
    } else if (warning_ms_ > 0 && s.elapsed_ms > warning_ms_) {
      state = cli::NagiosState::Warning;
    }
    text = s.outcome;
    if (s.mode == Mode::Register) text += " " + std::to_string(s.expires) + "s";
    if (s.mode == Mode::Query) text += " " + std::to_string(s.bindings.size()) + " binding(s)";
    text += " in " + ms_text(s.elapsed_ms) + " ms";
  } else {
    text = s.outcome;
    if (s.status)
      text += ": " + std::to_string(s.status) + " " + s.reason;
    else if (!s.detail.empty())
      text += ": " + s.detail;
  }
  if (!s.target.empty()) text += " (" + s.target + ")";
  std::string line = "SIPREG " + std::string(cli::nagios_name(state)) + " - " + text +
                     " | time=" + seconds_text(s.elapsed_ms) + "s;" +
                     (warning_ms_ > 0 ? seconds_text(warning_ms_) : "") + ";" +
                     (critical_ms_ > 0 ? seconds_text(critical_ms_) : "") + ";0";
  if (s.mode == Mode::Register) line += " expires=" + std::to_string(s.expires) + "s;;;0";
  if (s.mode == Mode::Query) line += " bindings=" + std::to_string(s.bindings.size()) + ";;;0";
  return line;
}

int Reporter::finish(const Summary& s) {
  const bool ok = s.code == cli::ExitCode::Ok;
  switch (style_) {
    case Style::Json: {
      Json j{{"ok", ok},
             {"exit_code", cli::to_int(s.code)},
             {"mode", mode_name(s.mode)},
             {"outcome", s.outcome}};
      if (s.failure != sip::ua::RegFailure::None)
        j["failure"] = sip::ua::reg_failure_name(s.failure);
      if (!s.detail.empty()) j["detail"] = s.detail;
      if (s.status) {
        j["status"] = s.status;
        j["reason"] = s.reason;
      }
      if (s.mode == Mode::Register || s.mode == Mode::Keep) j["expires"] = s.expires;
      if (s.mode == Mode::Query) j["bindings"] = bindings_json(s.bindings);
      if (!s.target.empty()) j["target"] = s.target;
      if (!s.contact.empty()) j["contact"] = s.contact;
      j["ms"] = s.elapsed_ms;
      json_.write("result", j);
      return cli::to_int(s.code);
    }
    case Style::Nagios: {
      cli::NagiosState state{};
      out_ << nagios_line(s, state) << "\n";
      out_.flush();
      return cli::to_int(state);
    }
    case Style::Human: break;
  }
  if (!ok) {
    err_ << "sipreg: " << s.outcome;
    if (s.status) err_ << ": " << s.status << " " << s.reason;
    if (!s.detail.empty() && !s.status) err_ << ": " << s.detail;
    if (!s.target.empty()) err_ << " (" << s.target << ")";
    err_ << "\n";
    return cli::to_int(s.code);
  }
  out_ << s.outcome << " " << s.aor;
  if (s.mode == Mode::Register || (s.mode == Mode::Keep && s.expires))
    out_ << " for " << s.expires << " s";
  if (!s.target.empty()) out_ << " at " << s.target;
  out_ << " in " << ms_text(s.elapsed_ms) << " ms\n";
  if (s.mode == Mode::Query) {
    out_ << s.bindings.size() << (s.bindings.size() == 1 ? " binding" : " bindings") << "\n";
    for (const auto& b : s.bindings)
      out_ << "  " << b.contact << "  expires " << b.expires << " s" << (b.ours ? "  (ours)" : "")
           << "\n";
  }
  out_.flush();
  return cli::to_int(s.code);
}

}  // namespace sipsmith::sipreg
