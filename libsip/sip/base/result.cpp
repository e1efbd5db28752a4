#include "sip/base/result.hpp"

namespace sip {

const char* errc_name(Errc code) noexcept {
  switch (code) {
#define SIP_ERRC_NAME(name, text) \
  case Errc::name: return #name;
    SIP_ERRC_LIST(SIP_ERRC_NAME)
#undef SIP_ERRC_NAME
  }
  return "unknown";
}

const char* errc_text(Errc code) noexcept {
  switch (code) {
#define SIP_ERRC_TEXT(name, text) \
  case Errc::name: return text;
    SIP_ERRC_LIST(SIP_ERRC_TEXT)
#undef SIP_ERRC_TEXT
  }
  return "unknown error";
}

std::string Error::to_string() const {
  std::string s = errc_name(code);
  s += " at ";
  s += std::to_string(offset);
  s += ": ";
  s += (detail && *detail) ? detail : errc_text(code);
  return s;
}

}  // namespace sip
