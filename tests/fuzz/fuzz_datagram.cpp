// fuzz_datagram: one libFuzzer input = one UDP datagram.
//
// What it checks (beyond "no crash, no leak, no sanitizer report"):
//  * parse_datagram() either fails, and verdict_for_parse_error() then gives a
//    sane reaction (Respond with 4xx/5xx, or Drop), or succeeds, and then
//  * every typed accessor of Message runs over every header field (not only
//    the fields of "its" header: the value parsers must cope with anything);
//    each successful result's views point inside the message buffer, each
//    error's offset lies inside the message buffer;
//  * validate_request() / validate_response() run with and without a policy;
//  * a MessageEditor round trip (remove the top Via, prepend our Via, replace
//    the body) serialises to bytes that parse again, whose top Via is ours,
//    whose Via count and body are what the edit implies. A failure there is a
//    library bug and aborts via __builtin_trap().
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/message/editor.hpp"
#include "sip/message/header_values.hpp"
#include "sip/message/message.hpp"
#include "sip/message/validate.hpp"
#include "sip/parser/parse.hpp"
#include "sip/uri/uri.hpp"

namespace {

using sip::msg::HeaderField;
using sip::msg::HeaderId;
using sip::msg::Message;

// Keeps the optimiser from discarding accessor results.
volatile std::size_t g_sink = 0;
void sink(std::size_t v) {
  g_sink = g_sink + v;
}
void sink(std::string_view v) {
  sink(v.size());
}

// A non-empty view returned by an accessor must point into the message.
void check_inside(const Message& m, std::string_view v) {
  if (v.empty()) return;
  const std::string_view buf = m.bytes();
  if (v.data() < buf.data() || v.data() + v.size() > buf.data() + buf.size()) __builtin_trap();
  sink(v);
}

// Accessor errors carry offsets relative to the message buffer.
template <class T>
void check_error(const Message& m, const sip::Result<T>& r) {
  if (r.ok()) return;
  if (r.error().code == sip::Errc::ok) __builtin_trap();
  if (r.error().offset > m.bytes().size()) __builtin_trap();
}

void check_uri(const Message& m, const sip::uri::UriView& u) {
  check_inside(m, u.scheme_text);
  check_inside(m, u.user);
  check_inside(m, u.password);
  check_inside(m, u.host);
  check_inside(m, u.params);
  check_inside(m, u.headers);
  check_inside(m, u.opaque);
  check_inside(m, u.text);
  sink(u.port_or_default());
  u.for_each_param([&](const sip::uri::Param& p) {
    check_inside(m, p.name);
    check_inside(m, p.value);
  });
  u.for_each_header([&](std::string_view n, std::string_view v) {
    check_inside(m, n);
    check_inside(m, v);
  });
  if (auto lr = u.param("lr")) check_inside(m, *lr);
  if (auto t = u.param("transport")) check_inside(m, *t);
  sink(static_cast<std::size_t>(sip::uri::uri_equal(u, u)));
}

void check_name_addr(const Message& m, const sip::Result<sip::msg::NameAddr>& r) {
  check_error(m, r);
  if (!r) return;
  check_inside(m, r->display);
  check_inside(m, r->params);
  check_inside(m, r->tag());
  if (auto e = r->param("expires")) check_inside(m, *e);
  check_uri(m, r->uri);
}

void check_via(const Message& m, const sip::Result<sip::msg::Via>& r) {
  check_error(m, r);
  if (!r) return;
  check_inside(m, r->protocol);
  check_inside(m, r->version);
  check_inside(m, r->transport);
  check_inside(m, r->host);
  check_inside(m, r->params);
  check_inside(m, r->branch());
  if (auto v = r->received()) check_inside(m, *v);
  if (auto v = r->rport()) check_inside(m, *v);
  sink(static_cast<std::size_t>(r->has_cookie()) + r->port);
}

void check_auth(const Message& m, const sip::Result<sip::msg::AuthValue>& r) {
  check_error(m, r);
  if (!r) return;
  check_inside(m, r->scheme);
  check_inside(m, r->params);
  for (std::string_view name : {"realm", "nonce", "qop", "uri", "response", "opaque"})
    if (auto v = r->param(name)) check_inside(m, *v);
}

void check_contact(const Message& m, const sip::Result<sip::msg::ContactValue>& r) {
  check_error(m, r);
  if (!r) return;
  if (auto e = r->expires()) sink(*e);
  if (auto q = r->q()) check_inside(m, *q);
  if (!r->star) {
    check_inside(m, r->addr.display);
    check_inside(m, r->addr.params);
    check_uri(m, r->addr.uri);
  }
}

// The value parsers of header_values.hpp applied to one raw value; they work
// on any text, so they all run on every field.
void exercise_value_parsers(std::string_view v) {
  if (auto r = sip::msg::parse_cseq(v)) sink(r->number + r->method_token.size());
  if (auto r = sip::msg::parse_delta_seconds(v)) sink(*r);
  if (auto r = sip::msg::parse_max_forwards(v)) sink(*r);
  if (auto r = sip::msg::parse_media_type(v))
    sink(static_cast<std::size_t>(r->is("application", "sdp")));
  if (auto r = sip::msg::parse_replaces(v))
    sink(r->call_id.size() + r->to_tag.size() + r->from_tag.size());
  if (auto r = sip::msg::parse_reason(v)) sink(r->cause + sip::msg::unquote(r->text).size());
  sink(static_cast<std::size_t>(sip::msg::check_generic_params(v).ok()));
  std::string_view rest = v;
  sip::msg::GenericParam p;
  bool bad = false;
  for (int n = 0; n < 64 && sip::msg::next_generic_param(rest, p, bad); ++n) sink(p.name.size());
}

void exercise_accessors(const Message& m) {
  sink(m.method_token());
  sink(m.version());
  sink(m.reason());
  sink(m.body());
  sink(m.call_id());
  if (m.is_request()) {
    auto ru = m.request_uri();
    check_error(m, ru);
    if (ru) check_uri(m, *ru);
  }
  check_via(m, m.top_via());
  check_name_addr(m, m.from());
  check_name_addr(m, m.to());
  check_name_addr(m, m.refer_to());
  if (auto r = m.cseq()) {
    check_inside(m, r->method_token);
  } else {
    check_error(m, r);
  }
  for (auto r : {m.max_forwards(), m.expires(), m.content_length()}) {
    check_error(m, r);
    if (r) sink(*r);
  }
  if (auto r = m.content_type()) {
    check_inside(m, r->type);
    check_inside(m, r->subtype);
    check_inside(m, r->params);
  } else {
    check_error(m, r);
  }
  if (auto r = m.replaces()) {
    check_inside(m, r->call_id);
    check_inside(m, r->to_tag);
    check_inside(m, r->from_tag);
  } else {
    check_error(m, r);
  }
  if (auto r = m.reason_header()) {
    check_inside(m, r->protocol);
    check_inside(m, r->params);
  } else {
    check_error(m, r);
  }
  for (const HeaderField& f : m.fields()) {
    if (f.value.end() > m.bytes().size() || f.line.end() > m.bytes().size() ||
        f.name.end() > m.bytes().size())
      __builtin_trap();
    check_via(m, m.via_at(f));
    check_contact(m, m.contact_at(f));
    check_name_addr(m, m.name_addr_at(f));
    check_auth(m, m.auth_at(f));
    exercise_value_parsers(m.text(f.value));
    if (m.find(m.text(f.name)) == nullptr) __builtin_trap();  // a header finds itself
  }
  std::size_t tokens = 0;
  for (HeaderId id : {HeaderId::Require, HeaderId::ProxyRequire, HeaderId::Supported,
                      HeaderId::Unsupported, HeaderId::Allow})
    m.for_each_token(id, [&](std::string_view t) {
      check_inside(m, t);
      ++tokens;
    });
  sink(tokens + m.count(HeaderId::Via) +
       static_cast<std::size_t>(m.has_token(HeaderId::Supported, "100rel")));
}

void exercise_validation(const Message& m) {
  static constexpr std::string_view kOptions[] = {"100rel", "timer", "replaces", "path"};
  sip::msg::ValidationPolicy policy;
  policy.supported_options = kOptions;
  policy.reject_max_forwards_zero = false;
  if (m.is_request()) {
    for (const auto& v : {sip::msg::validate_request(m), sip::msg::validate_request(m, policy)}) {
      if (v.action == sip::msg::Verdict::Action::Respond && (v.status < 300 || v.status > 699))
        __builtin_trap();
      sink(v.reason.size() + v.unsupported.size());
    }
  } else {
    const auto v = sip::msg::validate_response(m);
    if (v.action == sip::msg::Verdict::Action::Respond)
      __builtin_trap();  // responses are never answered
  }
}

// Edits the message and re-parses the result; any failure is a library bug.
void editor_round_trip(const Message& m) {
  static constexpr std::string_view kVia = "SIP/2.0/UDP fuzz.invalid:5060;branch=z9hG4bKfuzz";
  static constexpr std::string_view kBody = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n";
  sip::msg::MessageEditor ed(m);
  std::size_t vias = m.count(HeaderId::Via);
  if (const HeaderField* top = m.first(HeaderId::Via)) {
    ed.remove(*top);
    --vias;
  }
  ed.prepend("Via", kVia);
  ed.set_body(kBody, "application/sdp");
  const std::string out = ed.serialize();
  // Editing may lengthen lines ("a,b" -> "a, b") and adds one header line:
  // the source limits need not hold for the output, so relax them.
  sip::parser::Limits relaxed;
  relaxed.max_message_size = SIZE_MAX;
  relaxed.max_body_size = SIZE_MAX;
  relaxed.max_line_length = SIZE_MAX;
  relaxed.max_header_lines = SIZE_MAX;
  auto again = sip::parser::parse_datagram(std::string_view(out), relaxed);
  if (!again) __builtin_trap();  // edited message of a valid input does not parse
  if (again->is_request() != m.is_request()) __builtin_trap();
  if (again->value(HeaderId::Via) != kVia) __builtin_trap();      // prepended Via lost or moved
  if (again->count(HeaderId::Via) != vias + 1) __builtin_trap();  // other Via values changed
  if (again->body() != kBody) __builtin_trap();
  auto cl = again->content_length();
  if (!cl || *cl != kBody.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = sip::parser::parse_datagram(input);
  if (!parsed) {
    const sip::Error& e = parsed.error();
    if (e.code == sip::Errc::ok) __builtin_trap();
    sink(e.to_string());
    const auto v = sip::msg::verdict_for_parse_error(input, e);
    if (v.action == sip::msg::Verdict::Action::Accept)
      __builtin_trap();  // unparsable never accepted
    if (v.action == sip::msg::Verdict::Action::Respond && (v.status < 400 || v.status > 599))
      __builtin_trap();
    return 0;
  }
  const Message& m = *parsed;
  exercise_accessors(m);
  exercise_validation(m);
  editor_round_trip(m);
  // The same input through the owning overload must give the same message.
  auto owned = sip::parser::parse_datagram(std::string(input));
  if (!owned || owned->bytes() != m.bytes() || owned->fields().size() != m.fields().size())
    __builtin_trap();
  return 0;
}
