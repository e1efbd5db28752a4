// Result<T> and Error: the error model of the data path (no exceptions).
// An Error carries a code, the byte offset in the input where the problem was
// found, and a static detail string (never owned, never freed).
// Thread-safety: plain values; safe to copy and move between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace sip {

// One list of error codes; errc_name() is generated from the same X-macro.
#define SIP_ERRC_LIST(X)                                           \
  X(ok, "ok")                                                      \
  X(truncated, "input ends before the message is complete")        \
  X(empty, "empty input")                                          \
  X(bad_start_line, "malformed start line")                        \
  X(bad_method, "malformed method token")                          \
  X(bad_uri, "malformed URI")                                      \
  X(bad_version, "malformed SIP version")                          \
  X(bad_status, "malformed status code")                           \
  X(bad_header, "malformed header line")                           \
  X(bad_value, "malformed header value")                           \
  X(out_of_range, "number out of range")                           \
  X(line_too_long, "line longer than the limit")                   \
  X(too_many_headers, "more header lines than the limit")          \
  X(message_too_large, "message larger than the limit")            \
  X(body_too_large, "body larger than the limit")                  \
  X(bad_content_length, "malformed or conflicting Content-Length") \
  X(missing_content_length, "Content-Length required on a stream") \
  X(body_truncated, "body shorter than Content-Length")            \
  X(bad_sdp, "malformed SDP")                                      \
  X(not_found, "not found")                                        \
  X(network, "network or socket failure")                          \
  X(timed_out, "timed out")                                        \
  X(tls_failure, "TLS handshake or verification failed")           \
  X(closed, "connection closed")                                   \
  X(limit_reached, "a configured limit was reached")               \
  X(bad_config, "invalid configuration")                           \
  X(auth_failed, "authentication failed")                          \
  X(conflict, "already exists")                                    \
  X(storage, "storage failure")                                    \
  X(invalid_argument, "invalid argument")

enum class Errc : std::uint8_t {
#define SIP_ERRC_ENUM(name, text) name,
  SIP_ERRC_LIST(SIP_ERRC_ENUM)
#undef SIP_ERRC_ENUM
};

// Stable snake_case name of a code, e.g. "bad_header".
const char* errc_name(Errc code) noexcept;
// Human sentence for a code, e.g. "malformed header line".
const char* errc_text(Errc code) noexcept;

struct Error {
  Errc code = Errc::ok;
  std::uint32_t offset = 0;  // byte offset into the parsed input
  const char* detail = "";   // static string; may be empty

  // "bad_header at 42: header name contains a space"
  std::string to_string() const;
};

inline Error make_error(Errc code, std::size_t offset, const char* detail = "") noexcept {
  return Error{code, static_cast<std::uint32_t>(offset), detail};
}

// Holds either a T or an Error. Accessing the wrong alternative is a
// programming error (checked by assertions in debug builds).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(const T& v) : v_(v) {}        // NOLINT
  Result(T&& v) : v_(std::move(v)) {}  // NOLINT
  Result(const Error& e) : err_(e) {}  // NOLINT

  bool ok() const noexcept { return v_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return *v_; }
  const T& value() const& { return *v_; }
  T&& value() && { return std::move(*v_); }
  T* operator->() { return &*v_; }
  const T* operator->() const { return &*v_; }
  T& operator*() & { return *v_; }
  const T& operator*() const& { return *v_; }

  // The error; a default Error (Errc::ok) when the result holds a value.
  const Error& error() const noexcept { return err_; }

 private:
  std::optional<T> v_;
  Error err_{};
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(const Error& e) : err_(e) {}  // NOLINT
  bool ok() const noexcept { return err_.code == Errc::ok; }
  explicit operator bool() const noexcept { return ok(); }
  const Error& error() const { return err_; }

 private:
  Error err_{};
};

}  // namespace sip
