#include "cursor.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sipsmith::cdrq {
namespace {

constexpr const char* kKey = "\"final_seq\":";

std::string os_error(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// The file holds {"final_seq":N} and a newline.
std::optional<std::int64_t> parse(const std::string& text) {
  const auto at = text.find(kKey);
  if (at == std::string::npos) return std::nullopt;
  std::size_t p = at + std::strlen(kKey);
  while (p < text.size() && text[p] == ' ') ++p;
  std::int64_t v = 0;
  std::size_t digits = 0;
  for (; p < text.size() && text[p] >= '0' && text[p] <= '9' && digits < 18; ++p, ++digits)
    v = v * 10 + (text[p] - '0');
  if (digits == 0) return std::nullopt;
  return v;
}

bool write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::optional<CursorFile> CursorFile::open(const std::string& path, std::string& error) {
  const std::string lock_path = path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = os_error("cannot open " + lock_path);
    return std::nullopt;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    error = errno == EWOULDBLOCK ? "another cdr-query is using the cursor " + path
                                 : os_error("cannot lock " + lock_path);
    ::close(fd);
    return std::nullopt;
  }
  std::int64_t value = 0;
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    auto v = parse(text.str());
    if (!v) {
      error = path + " is not a cdr-query cursor (expected {\"final_seq\":N})";
      ::close(fd);
      return std::nullopt;
    }
    value = *v;
  } else if (std::filesystem::exists(path)) {
    error = "cannot read " + path;
    ::close(fd);
    return std::nullopt;
  }
  return CursorFile(path, fd, value);
}

CursorFile::CursorFile(CursorFile&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(other.lock_fd_), value_(other.value_) {
  other.lock_fd_ = -1;
}

CursorFile::~CursorFile() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

bool CursorFile::store(std::int64_t value, std::string& error) {
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = os_error("cannot create " + tmp);
    return false;
  }
  const std::string text = std::string("{") + kKey + std::to_string(value) + "}\n";
  if (!write_all(fd, text) || ::fsync(fd) != 0) {
    error = os_error("cannot write " + tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    error = os_error("cannot replace " + path_);
    ::unlink(tmp.c_str());
    return false;
  }
  std::string dir = std::filesystem::path(path_).parent_path().string();
  if (dir.empty()) dir = ".";
  if (const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    (void)::fsync(d);
    ::close(d);
  }
  value_ = value;
  return true;
}

}  // namespace sipsmith::cdrq
