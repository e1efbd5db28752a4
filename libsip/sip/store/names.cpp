#include "sip/store/names.hpp"

#include <algorithm>

namespace sip::store {
namespace {

bool alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
template <typename Pred>
bool all_of(std::string_view s, std::size_t min, Pred pred) noexcept {
  return s.size() >= min && s.size() <= 64 && std::all_of(s.begin(), s.end(), pred);
}

}  // namespace

bool valid_customer_username(std::string_view s) noexcept {
  return all_of(s, 3, [](char c) {
    return (c >= 'a' && c <= 'z') || digit(c) || c == '_' || c == '.' || c == '-';
  });
}

bool valid_account_username(std::string_view s) noexcept {
  if (!all_of(s, 1, [](char c) {
        return alpha(c) || digit(c) || c == '_' || c == '.' || c == '+' || c == '-';
      }))
    return false;
  static constexpr std::string_view kReserved = "dispatcher";
  return !(s.size() == kReserved.size() &&
           std::equal(s.begin(), s.end(), kReserved.begin(),
                      [](char a, char b) { return (a | 0x20) == b; }));
}

bool valid_provider_name(std::string_view s) noexcept {
  return all_of(s, 1, [](char c) { return alpha(c) || digit(c) || c == '_' || c == '-'; });
}

bool valid_plan_name(std::string_view s) noexcept {
  return all_of(s, 1,
                [](char c) { return alpha(c) || digit(c) || c == '_' || c == '-' || c == '.'; });
}

}  // namespace sip::store
