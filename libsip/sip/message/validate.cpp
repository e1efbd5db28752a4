#include "sip/message/validate.hpp"

#include "sip/base/ci.hpp"
#include "sip/message/status.hpp"

namespace sip::msg {
namespace {

Verdict respond(int status, const Error& e, std::string_view reason = {}) {
  Verdict v;
  v.action = Verdict::Action::Respond;
  v.status = status;
  v.reason = reason.empty() ? reason_phrase(status) : reason;
  v.error = e;
  return v;
}

Verdict drop(const Error& e) {
  Verdict v;
  v.action = Verdict::Action::Drop;
  v.error = e;
  return v;
}

bool is_sip_2_0(std::string_view version) noexcept {
  return ci_equal(version, "SIP/2.0");
}

constexpr HeaderId kMandatory[] = {HeaderId::Via, HeaderId::From, HeaderId::To, HeaderId::CallId,
                                   HeaderId::CSeq};
constexpr const char* kMissing[] = {"missing Via", "missing From", "missing To", "missing Call-ID",
                                    "missing CSeq"};

constexpr HeaderId kSingle[] = {HeaderId::From,        HeaderId::To,
                                HeaderId::CallId,      HeaderId::CSeq,
                                HeaderId::MaxForwards, HeaderId::ContentLength,
                                HeaderId::ContentType, HeaderId::Expires,
                                HeaderId::MinExpires,  HeaderId::ReferTo};

// Checks the headers every role reads; returns the first error found.
Result<void> check_common_headers(const Message& m) {
  for (std::size_t i = 0; i < std::size(kMandatory); ++i)
    if (!m.first(kMandatory[i])) return make_error(Errc::not_found, 0, kMissing[i]);
  for (HeaderId id : kSingle) {
    std::size_t lines = 0;
    std::uint32_t last_line = UINT32_MAX;
    for (const HeaderField& f : m.fields()) {
      if (f.id != id) continue;
      if (f.line.off != last_line) ++lines, last_line = f.line.off;
    }
    if (lines > 1)
      return make_error(Errc::bad_value, m.first(id)->line.off, "single-valued header repeated");
  }
  const std::string_view call_id = m.call_id();
  if (call_id.empty())
    return make_error(Errc::bad_value, m.first(HeaderId::CallId)->value.off, "empty Call-ID");
  for (char c : call_id)
    if (c == ' ' || c == '\t')
      return make_error(Errc::bad_value, m.first(HeaderId::CallId)->value.off, "space in Call-ID");
  if (auto r = m.cseq(); !r) return r.error();
  if (auto r = m.from(); !r) return r.error();
  if (auto r = m.to(); !r) return r.error();
  for (const HeaderField& f : m.fields()) {
    switch (f.id) {
      case HeaderId::Via:
        if (auto r = m.via_at(f); !r) return r.error();
        break;
      case HeaderId::Contact:
        if (auto r = m.contact_at(f); !r) return r.error();
        break;
      case HeaderId::Route:
      case HeaderId::RecordRoute:
        if (auto r = m.name_addr_at(f); !r) return r.error();
        break;
      default: break;
    }
  }
  if (m.first(HeaderId::MaxForwards))
    if (auto r = m.max_forwards(); !r) return r.error();
  if (m.first(HeaderId::Expires))
    if (auto r = m.expires(); !r) return r.error();
  if (m.first(HeaderId::ContentType))
    if (auto r = m.content_type(); !r) return r.error();
  return {};
}

bool is_supported(std::string_view tag, const ValidationPolicy& p) {
  for (std::string_view s : p.supported_options)
    if (ci_equal(s, tag)) return true;
  return false;
}

// Broadcast or multicast IPv4 sent-by: a response must never go there.
bool is_broadcast_or_multicast(std::string_view host) {
  if (host == "255.255.255.255") return true;
  std::size_t i = 0;
  unsigned first = 0;
  while (i < host.size() && host[i] >= '0' && host[i] <= '9' && i < 3)
    first = first * 10 + (host[i++] - '0');
  return i > 0 && i < host.size() && host[i] == '.' && first >= 224 && first <= 239;
}

}  // namespace

Verdict validate_request(const Message& m, const ValidationPolicy& policy) {
  const bool is_ack = m.method() == Method::Ack;
  auto fail = [&](int status, const Error& e) { return is_ack ? drop(e) : respond(status, e); };
  if (!m.is_request()) return drop(make_error(Errc::bad_start_line, 0, "not a request"));
  if (!is_sip_2_0(m.version()))
    return fail(
        505, make_error(Errc::bad_version, m.start_line().version.off, "unsupported SIP version"));
  if (auto r = check_common_headers(m); !r) return fail(400, r.error());
  const CSeq cseq = *m.cseq();
  if (cseq.method_token != m.method_token())
    return fail(400, make_error(Errc::bad_value, m.first(HeaderId::CSeq)->value.off,
                                "CSeq method differs from the request method"));
  auto ruri = m.request_uri();
  if (!ruri) return fail(400, ruri.error());
  if (ruri->scheme == uri::Scheme::Other)
    return fail(
        416, make_error(Errc::bad_uri, m.start_line().uri.off, "unsupported Request-URI scheme"));
  if (m.method() == Method::Register) {
    // RFC 3261 10.3 step 6: '*' only alone and with Expires: 0.
    std::size_t contacts = 0;
    bool star = false;
    m.for_each(HeaderId::Contact, [&](const HeaderField& f) {
      ++contacts;
      if (auto c = m.contact_at(f); c && c->star) star = true;
    });
    if (star) {
      auto e = m.expires();
      if (contacts > 1 || !e || *e != 0)
        return fail(400, make_error(Errc::bad_value, m.first(HeaderId::Contact)->value.off,
                                    "Contact: * needs Expires: 0 and no other Contact"));
    }
  }
  if (policy.reject_max_forwards_zero && m.first(HeaderId::MaxForwards) && *m.max_forwards() == 0)
    return fail(483, make_error(Errc::out_of_range, m.first(HeaderId::MaxForwards)->value.off,
                                "Max-Forwards is 0"));
  // RFC 3261 8.2.2.3 / 16.3 step 5: unknown extensions in Require (as a UAS)
  // or Proxy-Require (as a proxy); a B2BUA is both. Not for CANCEL/ACK.
  if (m.method() != Method::Cancel && !is_ack) {
    std::string unsupported;
    for (HeaderId id : {HeaderId::Require, HeaderId::ProxyRequire}) {
      m.for_each_token(id, [&](std::string_view tag) {
        if (is_supported(tag, policy)) return;
        if (!unsupported.empty()) unsupported += ", ";
        unsupported.append(tag);
      });
    }
    if (!unsupported.empty()) {
      Verdict v = respond(
          420, make_error(Errc::bad_value,
                          m.first(HeaderId::Require) ? m.first(HeaderId::Require)->value.off
                                                     : m.first(HeaderId::ProxyRequire)->value.off,
                          "unsupported option tag"));
      v.unsupported = std::move(unsupported);
      return v;
    }
  }
  return Verdict{};
}

Verdict validate_response(const Message& m) {
  if (m.is_request()) return drop(make_error(Errc::bad_start_line, 0, "not a response"));
  if (!is_sip_2_0(m.version()))
    return drop(make_error(Errc::bad_version, 0, "unsupported SIP version"));
  if (auto r = check_common_headers(m); !r) return drop(r.error());
  for (const HeaderField& f : m.fields()) {
    if (f.id != HeaderId::Via) continue;
    auto via = m.via_at(f);
    if (is_broadcast_or_multicast(via->host) ||
        (via->received() && is_broadcast_or_multicast(*via->received())))
      return drop(make_error(Errc::bad_value, f.value.off,
                             "Via points at a broadcast or multicast address"));
  }
  return Verdict{};
}

Verdict verdict_for_parse_error(std::string_view raw, const Error& error) {
  std::size_t i = 0;
  while (i < raw.size() && (raw[i] == '\r' || raw[i] == '\n')) ++i;
  const std::string_view s = raw.substr(i);
  if (s.empty() || ci_starts_with(s, "SIP/")) return drop(error);
  if (s.starts_with("ACK ")) return drop(error);
  if (error.code == Errc::message_too_large || error.code == Errc::body_too_large)
    return respond(513, error);
  return respond(400, error);
}

}  // namespace sip::msg
