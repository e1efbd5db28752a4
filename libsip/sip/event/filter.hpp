// Filter: the console's filter language (docs/console.md): clauses
// `key value` joined by ` and `, all of which must match. Keys: `event`
// (a type name, `*` = every type but full SIP traces, `full` = full SIP
// traces, `trouble` = every Warn/Error event), `user` (owner or account),
// `ipaddr` (part of the remote or local address), `request` (a SIP method:
// restricts full traces, other events pass), `regex` (an RE2 pattern found
// in the message). An empty filter is `event *`.
// Thread-safety: parse anywhere; a Filter is immutable and matches from any
// thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/event/event.hpp"

namespace re2 {
class RE2;
}

namespace sip::event {

class Filter {
 public:
  // nullopt with `*error` (may be null) saying what is wrong: an unknown
  // key ("filter key 'x' is not recognised ..."), a key without a value, an
  // unknown event type, a bad regex (RE2's message), a pattern over 1024
  // bytes.
  static std::optional<Filter> parse(std::string_view text, std::string* error);

  bool matches(const Event& e) const;
  // The types this filter can match (bit i = Type i): the Bus emits only
  // types some subscriber wants.
  std::uint32_t type_mask() const noexcept { return mask_; }
  // The canonical text ("event *" for the empty filter).
  const std::string& text() const noexcept { return text_; }

 private:
  std::uint32_t mask_ = 0;
  bool trouble_ = false;
  std::vector<std::string> users_, addrs_, methods_;
  std::vector<std::shared_ptr<const re2::RE2>> regexes_;
  std::string text_;
};

inline constexpr std::uint32_t type_bit(Type t) noexcept {
  return std::uint32_t{1} << static_cast<unsigned>(t);
}

}  // namespace sip::event
