#include "sip/message/method.hpp"

namespace sip::msg {

Method method_from_token(std::string_view token) noexcept {
#define SIP_METHOD_MATCH(name, text) \
  if (token == text) return Method::name;
  SIP_METHOD_LIST(SIP_METHOD_MATCH)
#undef SIP_METHOD_MATCH
  return Method::Unknown;
}

std::string_view method_name(Method m) noexcept {
  switch (m) {
#define SIP_METHOD_NAME(name, text) \
  case Method::name: return text;
    SIP_METHOD_LIST(SIP_METHOD_NAME)
#undef SIP_METHOD_NAME
    case Method::Unknown: return "";
  }
  return "";
}

}  // namespace sip::msg
