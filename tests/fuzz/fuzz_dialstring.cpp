// fuzz_dialstring: one libFuzzer input = one dial string template.
//
// What it checks:
//  * parse() never reads outside its input; an error has a code and an
//    offset inside the input (or at the length limit);
//  * on success the text form round-trips: parse(to_string(x)).dial == x and
//    to_string is a fixed point; legacy results round-trip the same way;
//  * every leg destination passes parse_destination(), and its uri() parses
//    back to the same parts;
//  * canonical_options() of every leg parses back to the same typed options;
//  * substitute() in dial string mode cannot change the structure: the input
//    substituted with hostile values ("|&[]<>\",\\" and CR LF) gives the same
//    stages and legs as with plain values whenever both parse.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sip/dialstring/destination.hpp"
#include "sip/dialstring/dialstring.hpp"
#include "sip/dialstring/options.hpp"
#include "sip/dialstring/substitute.hpp"

namespace {

using namespace sip::dialstring;  // NOLINT(google-build-using-namespace)

void check_destination(const std::string& text) {
  auto d = parse_destination(text, "100");
  if (!d) __builtin_trap();  // parse() accepted a leg that does not parse
  auto again = parse_destination(d->uri(), "100");
  if (!again) __builtin_trap();
  if (again->user != d->user || again->host != d->host || again->port != d->port ||
      again->params != d->params || again->headers != d->headers)
    __builtin_trap();
  if (again->uri() != d->uri()) __builtin_trap();
}

void check_options(const LegOptions& o) {
  const std::string canon = canonical_options(o);
  auto again = parse_leg_options(canon);
  if (!again) __builtin_trap();
  LegOptions expected = o;
  expected.unknown.clear();
  if (!(*again == expected)) __builtin_trap();
}

void check_parsed(const Parsed& p) {
  if (p.legacy) {
    if (!p.dial.stages.empty()) __builtin_trap();
    const std::string s = to_string(*p.legacy);
    auto again = parse(s);
    if (!again || !again->legacy || !(*again->legacy == *p.legacy)) __builtin_trap();
    return;
  }
  for (const auto& stage : p.dial.stages) {
    if (stage.legs.empty()) __builtin_trap();
    for (const auto& leg : stage.legs) {
      check_destination(leg.destination);
      check_options(leg.options);
    }
  }
  const std::string s1 = to_string(p.dial);
  auto again = parse(s1);
  if (!again || again->legacy || !(again->dial == p.dial)) __builtin_trap();
  if (to_string(again->dial) != s1) __builtin_trap();
}

std::vector<std::size_t> shape(const Parsed& p) {
  std::vector<std::size_t> out{p.legacy ? 1U : 0U};
  for (const auto& s : p.dial.stages) out.push_back(s.legs.size());
  return out;
}

void check_substitution(std::string_view input) {
  const SubstitutionContext plain{"12345", "Name", "user", "user@host"};
  const SubstitutionContext hostile{"1|2&3[dt=1]", "a\"b<c>d\\e", "x,tr=p]", "y\r\nz@h"};
  auto a = substitute(input, plain);
  auto b = substitute(input, hostile);
  auto raw = substitute(input, hostile, SubstituteMode::Raw);
  if (!raw && raw.error().code != sip::Errc::limit_reached) __builtin_trap();
  if (!a || !b) return;
  auto pa = parse(*a);
  auto pb = parse(*b);
  if (pa && pb && shape(*pa) != shape(*pb)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = parse(input);
  if (!parsed) {
    const auto& e = parsed.error();
    if (e.code == sip::Errc::ok || e.offset > size) __builtin_trap();
  } else {
    check_parsed(*parsed);
  }
  check_substitution(input);
  return 0;
}
