#include "sip/message/message.hpp"

#include "sip/base/ci.hpp"

namespace sip::msg {

Message::Message(std::string buffer, StartLine start, std::vector<HeaderField> fields, Span body)
    : buffer_(std::move(buffer)), start_(start), fields_(std::move(fields)), body_(body) {}

Message Message::clone() const {
  return Message(buffer_, start_, fields_, body_);
}

Result<uri::UriView> Message::request_uri() const noexcept {
  if (!is_request()) return make_error(Errc::not_found, 0, "not a request");
  auto u = uri::parse_uri(request_uri_text());
  if (!u) return make_error(u.error().code, start_.uri.off + u.error().offset, u.error().detail);
  return u;
}

const HeaderField* Message::first(HeaderId id) const noexcept {
  for (const HeaderField& h : fields_)
    if (h.id == id) return &h;
  return nullptr;
}

std::size_t Message::count(HeaderId id) const noexcept {
  std::size_t n = 0;
  for (const HeaderField& h : fields_) n += (h.id == id);
  return n;
}

std::string_view Message::value(HeaderId id) const noexcept {
  const HeaderField* h = first(id);
  return h ? text(h->value) : std::string_view{};
}

const HeaderField* Message::find(std::string_view name) const noexcept {
  const HeaderId id = header_id_from_name(name);
  if (id != HeaderId::Other) return first(id);
  for (const HeaderField& h : fields_)
    if (h.id == HeaderId::Other && ci_equal(text(h.name), name)) return &h;
  return nullptr;
}

bool Message::has_token(HeaderId id, std::string_view token) const noexcept {
  for (const HeaderField& h : fields_)
    if (h.id == id && ci_equal(text(h.value), token)) return true;
  return false;
}

void Message::replace_value(const HeaderField& field, std::string_view new_value) {
  const Span at = field.value;
  const std::uint32_t end = at.end();  // spans from here on move
  const std::uint32_t line_off = field.line.off;
  const auto size = static_cast<std::uint32_t>(new_value.size());
  buffer_.replace(at.off, at.len, new_value);
  // Unsigned arithmetic wraps as intended when the value shrinks.
  const auto shift = [&](Span& s) {
    if (s.off >= end) s.off = s.off - at.len + size;
  };
  for (HeaderField& f : fields_) {
    if (f.line.off == line_off) {  // this value's line (list elements share it)
      f.line.len = f.line.len - at.len + size;
      if (&f == &field)
        f.value.len = size;
      else
        shift(f.value);
      continue;
    }
    shift(f.name);
    shift(f.value);
    shift(f.line);
  }
  shift(body_);
}

template <class T>
Result<T> Message::rebase(Result<T> r, const HeaderField& f) const noexcept {
  if (r) return r;
  return make_error(r.error().code, f.value.off + r.error().offset, r.error().detail);
}

namespace {
Error absent(const char* what) noexcept {
  return make_error(Errc::not_found, 0, what);
}
}  // namespace

Result<Via> Message::via_at(const HeaderField& f) const noexcept {
  return rebase(parse_via(text(f.value)), f);
}

Result<Via> Message::top_via() const noexcept {
  const HeaderField* h = first(HeaderId::Via);
  if (!h) return absent("no Via");
  return via_at(*h);
}

Result<NameAddr> Message::name_addr_at(const HeaderField& f) const noexcept {
  return rebase(parse_name_addr(text(f.value)), f);
}

Result<NameAddr> Message::from() const noexcept {
  const HeaderField* h = first(HeaderId::From);
  if (!h) return absent("no From");
  return name_addr_at(*h);
}

Result<NameAddr> Message::to() const noexcept {
  const HeaderField* h = first(HeaderId::To);
  if (!h) return absent("no To");
  return name_addr_at(*h);
}

Result<NameAddr> Message::refer_to() const noexcept {
  const HeaderField* h = first(HeaderId::ReferTo);
  if (!h) return absent("no Refer-To");
  return name_addr_at(*h);
}

Result<CSeq> Message::cseq() const noexcept {
  const HeaderField* h = first(HeaderId::CSeq);
  if (!h) return absent("no CSeq");
  return rebase(parse_cseq(text(h->value)), *h);
}

Result<std::uint32_t> Message::max_forwards() const noexcept {
  const HeaderField* h = first(HeaderId::MaxForwards);
  if (!h) return absent("no Max-Forwards");
  return rebase(parse_max_forwards(text(h->value)), *h);
}

Result<std::uint32_t> Message::expires() const noexcept {
  const HeaderField* h = first(HeaderId::Expires);
  if (!h) return absent("no Expires");
  return rebase(parse_delta_seconds(text(h->value)), *h);
}

Result<std::uint32_t> Message::content_length() const noexcept {
  const HeaderField* h = first(HeaderId::ContentLength);
  if (!h) return absent("no Content-Length");
  return rebase(parse_delta_seconds(text(h->value)), *h);
}

Result<MediaType> Message::content_type() const noexcept {
  const HeaderField* h = first(HeaderId::ContentType);
  if (!h) return absent("no Content-Type");
  return rebase(parse_media_type(text(h->value)), *h);
}

Result<ContactValue> Message::contact_at(const HeaderField& f) const noexcept {
  return rebase(parse_contact(text(f.value)), f);
}

Result<AuthValue> Message::auth_at(const HeaderField& f) const noexcept {
  return rebase(parse_auth(text(f.value)), f);
}

Result<Replaces> Message::replaces() const noexcept {
  const HeaderField* h = first(HeaderId::Replaces);
  if (!h) return absent("no Replaces");
  return rebase(parse_replaces(text(h->value)), *h);
}

Result<Reason> Message::reason_header() const noexcept {
  const HeaderField* h = first(HeaderId::Reason);
  if (!h) return absent("no Reason");
  return rebase(parse_reason(text(h->value)), *h);
}

}  // namespace sip::msg
