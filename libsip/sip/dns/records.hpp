// DNS records the RFC 3263 resolver works with, decoded from the wire into
// plain values (no c-ares types), and one query's outcome (Answer).
// Thread-safety: plain values; an Answer is immutable once shared.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sip/transport/address.hpp"

namespace sip::dns {

// Values are the RR type codes (RFC 1035, 3596, 2782, 3403).
enum class RecordType : std::uint16_t { A = 1, Aaaa = 28, Srv = 33, Naptr = 35 };

constexpr std::string_view record_type_name(RecordType t) noexcept {
  switch (t) {
    case RecordType::A: return "A";
    case RecordType::Aaaa: return "AAAA";
    case RecordType::Srv: return "SRV";
    case RecordType::Naptr: return "NAPTR";
  }
  return "?";
}

struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // no trailing dot; "." (no service) is dropped when decoding
  friend bool operator==(const SrvRecord&, const SrvRecord&) = default;
};

struct NaptrRecord {
  std::uint16_t order = 0;
  std::uint16_t preference = 0;
  std::string flags;        // e.g. "s"
  std::string service;      // e.g. "SIP+D2U"
  std::string regexp;       // SIP NAPTRs leave it empty
  std::string replacement;  // e.g. "_sip._udp.example.com", no trailing dot
  friend bool operator==(const NaptrRecord&, const NaptrRecord&) = default;
};

enum class AnswerStatus : std::uint8_t {
  Ok,             // at least one record of the queried type
  NoData,         // the name exists, no record of this type (cached)
  NxDomain,       // the name does not exist (cached)
  Timeout,        // no answer in time (not cached)
  ServerFailure,  // SERVFAIL/REFUSED/unreachable/malformed (not cached)
  Cancelled,      // the resolver is shutting down
};

constexpr bool is_transient(AnswerStatus s) noexcept {
  return s == AnswerStatus::Timeout || s == AnswerStatus::ServerFailure ||
         s == AnswerStatus::Cancelled;
}

// Outcome of one (type, name) query. Only the vector of the queried type is
// filled. `ttl` is in seconds: the smallest answer TTL for Ok, the negative
// caching time for NoData/NxDomain, 0 otherwise; for a cached answer it is
// the time left.
struct Answer {
  AnswerStatus status = AnswerStatus::ServerFailure;
  std::uint32_t ttl = 0;
  std::vector<transport::SocketAddress> addresses;  // A/AAAA, port 0
  std::vector<SrvRecord> srv;
  std::vector<NaptrRecord> naptr;
};

using AnswerPtr = std::shared_ptr<const Answer>;

}  // namespace sip::dns
