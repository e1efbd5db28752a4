// The libosip2 side of the benchmark: the peer libsip is compared with. Kept
// in its own translation unit so that no osip header reaches the rest of the
// benchmark (they are C headers full of macros and old-style casts).
//
// Every function here does, with osip's own API, exactly the work its libsip
// counterpart in bench_message.cpp does; see that file for the pairing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct osip_message;  // libosip2's osip_message_t, opaque outside osip_peer.cpp

namespace sipsmith_bench::osip {

// parser_init(); call once, before anything else. False on failure.
bool init() noexcept;

// One "parse + walk": osip_message_init, osip_message_parse of `bytes`, read
// the values listed in messages.hpp (Checksum) with osip's getters, then
// osip_message_free. False when osip rejects the message.
bool parse_walk(std::string_view bytes, std::uint64_t& checksum) noexcept;

// A parsed osip message (owning; move-only).
class Message {
 public:
  // Empty (false) when osip rejects the bytes.
  static Message parse(std::string_view bytes) noexcept;
  Message() = default;
  Message(Message&& o) noexcept : m_(o.m_) { o.m_ = nullptr; }
  Message& operator=(Message&& o) noexcept;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  ~Message();
  explicit operator bool() const noexcept { return m_ != nullptr; }

  // osip_message_force_update + osip_message_to_str + osip_free: a full
  // rebuild of the text from the parsed structure. Without the forced update
  // every call after the first would hand back a copy of the text osip
  // cached on the previous call (message_property 1), a memcpy rather than
  // serialisation. Returns the length, 0 on failure; `out`, when given,
  // receives a copy (start-up checks only).
  std::size_t serialize(std::string* out = nullptr) noexcept;

 private:
  osip_message* m_ = nullptr;
};

// Parse `bytes`, prepend `via` (osip_message_append_via inserts at the top),
// remove the top Route when it is a loose route (;lr), replace the
// request-URI with `request_uri` (osip_uri_parse + osip_message_set_uri, the
// old URI freed), osip_message_to_str, free everything. Returns the length of
// the result, 0 on failure; `out`, when given, receives a copy.
std::size_t edit_serialize(std::string_view bytes, const char* via, const char* request_uri,
                           std::string* out = nullptr) noexcept;

}  // namespace sipsmith_bench::osip
