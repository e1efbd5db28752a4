// SIP request methods. Methods are case-sensitive tokens (RFC 3261 7.1):
// "invite" is an unknown method, not INVITE. Unknown methods keep their text.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace sip::msg {

#define SIP_METHOD_LIST(X)  \
  X(Invite, "INVITE")       \
  X(Ack, "ACK")             \
  X(Bye, "BYE")             \
  X(Cancel, "CANCEL")       \
  X(Register, "REGISTER")   \
  X(Options, "OPTIONS")     \
  X(Info, "INFO")           \
  X(Update, "UPDATE")       \
  X(Prack, "PRACK")         \
  X(Subscribe, "SUBSCRIBE") \
  X(Notify, "NOTIFY")       \
  X(Refer, "REFER")         \
  X(Message, "MESSAGE")     \
  X(Publish, "PUBLISH")

enum class Method : std::uint8_t {
#define SIP_METHOD_ENUM(name, text) name,
  SIP_METHOD_LIST(SIP_METHOD_ENUM)
#undef SIP_METHOD_ENUM
      Unknown
};

// Exact, case-sensitive lookup; Method::Unknown for anything else.
Method method_from_token(std::string_view token) noexcept;
// Canonical text; "" for Method::Unknown.
std::string_view method_name(Method m) noexcept;

}  // namespace sip::msg
