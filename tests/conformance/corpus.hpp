// Where the shared RFC 4475 corpus is: $SIPSMITH_CONFORMANCE_DIR (the
// directory holding MANIFEST.tsv, or its parent), else ../shared/conformance/
// rfc4475 next to the repository. The corpus is never copied into the repo.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sip::testing {

inline std::filesystem::path corpus_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("SIPSMITH_CONFORMANCE_DIR"); env && *env) {
    fs::path p(env);
    return fs::exists(p / "MANIFEST.tsv") ? p : p / "rfc4475";
  }
  return fs::path(SIPSMITH_SOURCE_DIR) / ".." / "shared" / "conformance" / "rfc4475";
}

// The whole file, bytes as they are (CRLF, NULs); empty when unreadable.
inline std::string read_corpus_file(const std::string& name) {
  std::ifstream in(corpus_dir() / name, std::ios::binary | std::ios::ate);
  if (!in) return {};
  std::string s(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  return s;
}

}  // namespace sip::testing
