#include "http_page.hpp"

#include <httplib.h>

#include <thread>

namespace sipsmith::rtpdiag {
namespace {

using cli::Json;

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string text(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return "-";
  const Json& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// "PT 0 x50, PT 101 x3"
std::string payload_types(const Json& report) {
  if (!report.contains("payload_types") || !report["payload_types"].is_object()) return "-";
  std::string s;
  for (const auto& [pt, n] : report["payload_types"].items())
    s += (s.empty() ? "" : ", ") + std::string("PT ") + pt + " x" + n.dump();
  return s.empty() ? "none" : s;
}

// "198.51.100.1:6000 (actual): 100 sent, got through; ..."
std::string sent_back(const Json& report) {
  if (!report.contains("sent") || !report["sent"].is_array()) return "-";
  std::string s;
  for (const auto& t : report["sent"]) {
    s += (s.empty() ? "" : "; ") + t.value("to", "") + " (" + t.value("role", "") +
         "): " + std::to_string(t.value("packets", 0)) + " sent, " +
         (t.value("got_through", false) ? std::string("got through")
                                        : "failed: " + t.value("error", std::string("?")));
  }
  return s.empty() ? "none" : s;
}

std::string row(const std::string& id, const std::string& label, const std::string& value) {
  return "<tr><th>" + label + "</th><td id=\"" + id + "\">" + escape(value) + "</td></tr>\n";
}

// Refreshes the fields from /report.json every second.
constexpr const char* kScript = R"(<script>
async function refresh() {
  try {
    const s = await (await fetch('/report.json', {cache: 'no-store'})).json();
    const set = (id, v) => { const e = document.getElementById(id);
      if (e) e.textContent = (v === undefined || v === null) ? '-' :
        (typeof v === 'string' ? v : JSON.stringify(v)); };
    const c = s.call || {}, r = s.report || {};
    set('address', s.address); set('status', s.status);
    set('source', c.signalling_source); set('advertised', c.advertised);
    set('expected', c.expected); set('actual', r.actual); set('packets', r.packets);
    set('lost', r.lost); set('jitter', r.jitter_ms);
    set('pts', r.payload_types && Object.entries(r.payload_types)
        .map(([pt, n]) => 'PT ' + pt + ' x' + n).join(', '));
    set('sent', r.sent && r.sent.map(t => t.to + ' (' + t.role + '): ' + t.packets +
        ' sent, ' + (t.got_through ? 'got through' : 'failed: ' + t.error)).join('; '));
    set('verdict', r.verdict); set('summary', r.summary);
  } catch (e) {}
}
setInterval(refresh, 1000);
</script>)";

}  // namespace

std::string render_page(const Json& s) {
  const Json call = s.value("call", Json::object());
  const Json report = s.value("report", Json::object());
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>rtpdiag</title>\n"
      "<style>body{font-family:sans-serif;margin:2em}th{text-align:left;padding-right:1em;white-"
      "space:nowrap}"
      "#verdict{font-weight:bold}</style></head><body>\n<h1>rtpdiag</h1>\n"
      "<p>Call <code id=\"address\">" +
      escape(text(s, "address")) + "</code> from the phone under test.</p>\n<table>\n";
  h += row("status", "state", text(s, "status"));
  h += row("source", "INVITE from", text(call, "signalling_source"));
  h += row("advertised", "RTP advertised in SDP", text(call, "advertised"));
  h += row("expected", "RTP expected from", text(call, "expected"));
  h += row("actual", "RTP came from", text(report, "actual"));
  h += row("packets", "packets received", text(report, "packets"));
  h += row("lost", "packets lost", text(report, "lost"));
  h += row("jitter", "jitter (ms)", text(report, "jitter_ms"));
  h += row("pts", "payload types", payload_types(report));
  h += row("sent", "RTP sent back", sent_back(report));
  h += row("verdict", "verdict", text(report, "verdict"));
  h += row("summary", "meaning", text(report, "summary"));
  h += "</table>\n";
  h += kScript;
  h += "\n</body></html>\n";
  return h;
}

struct HttpPage::Impl {
  explicit Impl(const LiveState& l) : live(l) {}
  const LiveState& live;
  httplib::Server server;
  std::thread thread;
  std::string url;
};

HttpPage::HttpPage(const LiveState& live) : impl_(std::make_unique<Impl>(live)) {}

HttpPage::~HttpPage() {
  stop();
}

bool HttpPage::start(const sip::transport::SocketAddress& at, std::string& why) {
  Impl& i = *impl_;
  i.server.Get("/", [&i](const httplib::Request&, httplib::Response& res) {
    res.set_content(render_page(i.live.snapshot()), "text/html; charset=utf-8");
  });
  i.server.Get("/report.json", [&i](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(i.live.snapshot().dump(), "application/json");
  });
  if (!i.server.bind_to_port(at.ip_string().c_str(), at.port)) {
    why = "cannot bind " + at.to_string();
    return false;
  }
  i.url = "http://" + at.host_string() + ":" + std::to_string(at.port) + "/";
  i.thread = std::thread([&i] { i.server.listen_after_bind(); });
  return true;
}

std::string HttpPage::url() const {
  return impl_->url;
}

void HttpPage::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace sipsmith::rtpdiag
