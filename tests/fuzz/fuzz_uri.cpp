// fuzz_uri: one libFuzzer input = one URI text (also used as raw bytes for
// the %-escaping functions).
//
// What it checks:
//  * parse_uri() never reads outside its input; on success all views of the
//    UriView lie inside the input and uri_equal(a, a) holds (trap otherwise);
//  * the owning form round-trips: Uri(view).to_string() parses again (and so
//    does Uri::parse()), for sip/sips the re-parse compares equal to the
//    original in both directions, and a second to_string() reproduces the
//    first one (serialisation is a fixed point after one round);
//  * escaping: for every Component, unescape(escape(x, c)) == x, every
//    unescaped byte of escape()'s output is allowed in c, and escaped_equal()
//    agrees that escape(x, c) and x-escaped-differently decode the same;
//  * parse_ipv4 / parse_ipv6 and the parameter / header walkers run on it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/uri/escape.hpp"
#include "sip/uri/uri.hpp"

namespace {

using sip::uri::Component;
using sip::uri::UriView;

volatile std::size_t g_sink = 0;
void sink(std::size_t v) {
  g_sink = g_sink + v;
}

void check_inside(std::string_view outer, std::string_view v) {
  if (v.empty()) return;
  if (v.data() < outer.data() || v.data() + v.size() > outer.data() + outer.size())
    __builtin_trap();
  sink(v.size());
}

void check_view(std::string_view text, const UriView& u) {
  check_inside(text, u.scheme_text);
  check_inside(text, u.user);
  check_inside(text, u.password);
  check_inside(text, u.host);
  check_inside(text, u.params);
  check_inside(text, u.headers);
  check_inside(text, u.opaque);
  check_inside(text, u.text);
  if (u.port != 0 && !u.has_port) __builtin_trap();  // a port without has_port
  sink(u.port_or_default());
  u.for_each_param([&](const sip::uri::Param& p) {
    check_inside(text, p.name);
    check_inside(text, p.value);
  });
  u.for_each_header([&](std::string_view n, std::string_view v) {
    check_inside(text, n);
    check_inside(text, v);
  });
  for (std::string_view name : {"transport", "lr", "user", "maddr", "ttl", "method"})
    if (auto v = u.param(name)) check_inside(text, *v);
  if (!sip::uri::uri_equal(u, u)) __builtin_trap();  // equality is reflexive
}

void check_owning_round_trip(const UriView& a) {
  const sip::uri::Uri owned(a);
  const std::string s1 = owned.to_string();
  auto b = sip::uri::parse_uri(s1);
  if (!b) __builtin_trap();  // our own serialisation does not parse
  if (b->scheme != a.scheme) __builtin_trap();
  if (a.is_sip() && (!sip::uri::uri_equal(a, *b) || !sip::uri::uri_equal(*b, a))) __builtin_trap();
  const std::string s2 = sip::uri::Uri(*b).to_string();
  if (s2 != s1) __builtin_trap();  // to_string is not a fixed point after one round
  auto c = sip::uri::Uri::parse(s1);
  if (!c || c->to_string() != s1) __builtin_trap();
  // Editing calls must keep the URI serialisable.
  if (a.is_sip()) {
    sip::uri::Uri e(a);
    e.set_param("transport", "tcp");
    e.set_param("lr", std::nullopt);
    e.remove_param("maddr");
    e.set_port(5070);
    e.clear_headers();
    const std::string s3 = e.to_string();
    auto d = sip::uri::parse_uri(s3);
    if (!d || !d->has_param("lr") || d->param("transport") != "tcp" || d->port != 5070)
      __builtin_trap();
  }
  sink(s1.size() + owned.params().size() + owned.headers().size());
}

void check_escaping(std::string_view x) {
  for (Component c : {Component::User, Component::Password, Component::Param, Component::Header}) {
    const std::string e = sip::uri::escape(x, c);
    if (sip::uri::unescape(e) != x) __builtin_trap();
    for (std::size_t i = 0; i < e.size(); ++i) {
      if (e[i] == '%') {
        i += 2;  // escape() writes exactly %HH
        continue;
      }
      if (!sip::uri::is_allowed(e[i], c)) __builtin_trap();
    }
    // Escaped differently (User vs Header allow different sets), same bytes.
    const std::string other =
        sip::uri::escape(x, c == Component::User ? Component::Header : Component::User);
    if (!sip::uri::escaped_equal(e, other, false) || !sip::uri::escaped_equal(e, other, true))
      __builtin_trap();
  }
  // Decoding arbitrary text: escaped_equal(s, s) holds and unescape never grows.
  if (!sip::uri::escaped_equal(x, x, false)) __builtin_trap();
  if (sip::uri::unescape(x).size() > x.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_escaping(input);
  std::array<std::uint8_t, 4> v4{};
  std::array<std::uint8_t, 16> v6{};
  sink(static_cast<std::size_t>(sip::uri::parse_ipv4(input, v4)) +
       static_cast<std::size_t>(sip::uri::parse_ipv6(input, v6)));

  auto parsed = sip::uri::parse_uri(input);
  if (!parsed) {
    if (parsed.error().code == sip::Errc::ok || parsed.error().offset > size) __builtin_trap();
    return 0;
  }
  check_view(input, *parsed);
  check_owning_round_trip(*parsed);
  return 0;
}
