#include "sip/dns/errors.hpp"

namespace sip::dns {
namespace {

struct FailureInfo {
  Failure failure;
  const char* name;
  const char* detail;  // the identity failure_of() compares (same literal object)
};

constexpr FailureInfo kFailures[] = {
    {Failure::None, "none", ""},
    {Failure::NameError, "name_error", "dns: no such domain name (NXDOMAIN)"},
    {Failure::NoRecords, "no_records", "dns: no usable SIP target records"},
    {Failure::Timeout, "timeout", "dns: no server answered in time"},
    {Failure::ServerFailure, "server_failure", "dns: server failure, refusal or unreachable"},
    {Failure::Overloaded, "overloaded", "dns: too many outstanding lookups"},
    {Failure::BadInput, "bad_input", "dns: not a resolvable sip/sips target"},
};

const FailureInfo& info(Failure f) noexcept {
  for (const auto& i : kFailures) {
    if (i.failure == f) return i;
  }
  return kFailures[0];
}

}  // namespace

const char* failure_name(Failure f) noexcept {
  return info(f).name;
}

Error make_failure(Failure f) noexcept {
  const Errc code = f == Failure::BadInput ? Errc::bad_uri : Errc::not_found;
  return make_error(code, 0, info(f).detail);
}

Failure failure_of(const Error& e) noexcept {
  if (e.code == Errc::ok) return Failure::None;
  for (const auto& i : kFailures) {
    if (i.failure != Failure::None && e.detail == i.detail) return i.failure;
  }
  return Failure::None;
}

}  // namespace sip::dns
