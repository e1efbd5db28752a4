#include "sip/dns/target.hpp"

namespace sip::dns {

std::string Target::to_string() const {
  std::string s(transport::kind_name(kind));
  s += ' ';
  s += address.to_string();
  return s;
}

bool TargetCursor::next() noexcept {
  if (index_ < targets_.size()) ++index_;
  return index_ < targets_.size();
}

}  // namespace sip::dns
