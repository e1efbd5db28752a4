#include "sip/auth/server_algorithms.hpp"

#include <algorithm>

namespace sip::auth {
namespace {

// Adds `name` to `out`; the reason it cannot, or nullptr.
const char* add(std::string_view name, AlgorithmList& out) {
  if (name.empty()) return "empty digest algorithm name";
  const auto a = parse_algorithm(name);
  if (!a) return "unknown digest algorithm (expected MD5 or SHA-256)";
  if (!server_supports(*a)) return "digest algorithm not supported here (expected MD5 or SHA-256)";
  if (std::find(out.begin(), out.end(), *a) != out.end()) return "digest algorithm listed twice";
  out.push_back(*a);
  return nullptr;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool server_supports(Algorithm a) noexcept {
  return a == Algorithm::Md5 || a == Algorithm::Sha256;
}

Result<AlgorithmList> parse_server_algorithms(std::string_view text) {
  AlgorithmList out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    if (const char* bad = add(trim(text.substr(start, end - start)), out))
      return make_error(Errc::bad_value, start, bad);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<AlgorithmList> server_algorithms_from(const std::vector<std::string>& names) {
  if (names.empty()) return make_error(Errc::bad_value, 0, "empty digest algorithm list");
  AlgorithmList out;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (const char* bad = add(names[i], out)) return make_error(Errc::bad_value, i, bad);
  return out;
}

std::string server_algorithms_text(const AlgorithmList& list) {
  std::string out;
  for (const Algorithm a : list) {
    if (!out.empty()) out += ',';
    out += algorithm_name(a);
  }
  return out;
}

}  // namespace sip::auth
