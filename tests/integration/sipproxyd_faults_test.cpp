// sipproxyd when its store fails (docs/security.md): the SQLite file on a
// small filesystem the test mounts (tmpfs; needs root, as CI runs), which
// then fills up, or turns read-only, or the database is locked by another
// process. A registration whose binding cannot be stored is refused (never a
// 200 for a change that is not stored), the error is logged clearly, and
// everything works again once the fault is gone, with what was stored
// before intact.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "sip/base/random.hpp"
#include "sip/parser/parse.hpp"
#include "support/process.hpp"
#include "support/sipproxyd_fixture.hpp"

namespace sipsmith::itest {
namespace {

constexpr const char* kDomain = "sipsmith.test";

// A tmpfs of `size` mounted on `dir` for the test's lifetime.
class SmallFilesystem {
 public:
  SmallFilesystem(const std::string& dir, const std::string& size) : dir_(dir), size_(size) {
    std::filesystem::create_directories(dir_);
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + size_ + ",mode=0700").c_str()) == 0)
      mounted_ = true;
    else
      error_ = std::strerror(errno);
  }
  ~SmallFilesystem() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  bool read_only(bool ro) {
    unsigned long flags = MS_REMOUNT;
    if (ro) flags |= MS_RDONLY;
    return ::mount("tmpfs", dir_.c_str(), "tmpfs", flags, ("size=" + size_).c_str()) == 0;
  }
  // Fills the filesystem with a file until writes fail for lack of space.
  bool fill() {
    const int fd = ::open((dir_ + "/filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return false;
    std::vector<char> block(64 * 1024, 'x');
    int err = 0;
    for (int i = 0; i < 100000; ++i) {  // bounded: far more than any test size
      const ssize_t n = ::write(fd, block.data(), block.size());
      if (n < 0) {
        err = errno;
        break;
      }
      if (n == 0) break;
    }
    ::close(fd);
    return err == ENOSPC;
  }
  void unfill() { std::filesystem::remove(dir_ + "/filler"); }

 private:
  std::string dir_, size_, error_;
  bool mounted_ = false;
};

int status_of(const std::optional<std::string>& raw) {
  if (!raw) return 0;
  auto m = sip::parser::parse_datagram(std::string_view(*raw));
  return m ? m->status() : 0;
}

// REGISTER of an IP-ACL account (no challenge) from `peer`: the status.
int register_phone(UdpPeer& peer, const Daemon& d, const std::string& user, int expires = 600) {
  const std::string hp = peer.ip() + ":" + std::to_string(peer.port());
  std::string m = "REGISTER sip:" + std::string(kDomain) + " SIP/2.0\r\n";
  m += "Via: SIP/2.0/UDP " + hp + ";branch=" + sip::make_branch() + ";rport\r\n";
  m += "From: <sip:" + user + "@" + kDomain + ">;tag=" + sip::make_tag() + "\r\n";
  m += "To: <sip:" + user + "@" + kDomain + ">\r\n";
  m += "Call-ID: " + sip::make_call_id() + "\r\nCSeq: 1 REGISTER\r\n";
  m += "Contact: <sip:" + user + "@" + hp + ">\r\nMax-Forwards: 70\r\n";
  m += "Expires: " + std::to_string(expires) + "\r\nContent-Length: 0\r\n\r\n";
  peer.send(m, "127.0.0.1", d.port());
  return status_of(peer.receive_final(Millis(15000)));
}

void provision(Daemon& d, const std::vector<std::string>& users) {
  json accounts = json::array();
  for (const auto& u : users)
    accounts.push_back(
        {{"owner", "demo"}, {"username", u}, {"domain", kDomain}, {"ip_acl", "127.0.0.0/8"}});
  d.control().call(
      "import", {{"document",
                  {{"format", "sipsmith-provisioning"},
                   {"version", 1},
                   {"customers", json::array({{{"username", "demo"}, {"password", "demo-pw-1"}}})},
                   {"accounts", accounts}}}});
}

std::vector<std::string> bound_users(Daemon& d) {
  std::vector<std::string> out;
  for (const auto& b : d.control().call("binding.list")) {
    const std::string aor = b.value("account", "");
    out.push_back(aor.substr(0, aor.find('@')));
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SipproxydFaults, AFullDiskRefusesRegistrationsClearlyAndRecovers) {
  TempDir dir;
  SmallFilesystem fs(dir.file("small"), "4m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << fs.error();
  Daemon d(dir, {{"store", {{"path", dir.file("small") + "/sipsmith.db"}}}});
  provision(d, {"alice", "bob", "carol"});
  UdpPeer alice("127.0.0.11"), bob("127.0.0.12"), carol("127.0.0.13");
  ASSERT_EQ(register_phone(alice, d, "alice"), 200);

  ASSERT_TRUE(fs.fill());
  // A new binding cannot be stored: refused, not acknowledged.
  const int refused = register_phone(bob, d, "bob");
  EXPECT_GE(refused, 500) << d.stderr_text();
  EXPECT_TRUE(d.wait_stderr("full", Millis(5000))) << d.stderr_text();
  EXPECT_EQ(bound_users(d), (std::vector<std::string>{"alice"}));

  // Space again: registrations work; nothing stored before was lost.
  fs.unfill();
  int status = 0;
  for (int attempt = 0; attempt < 20 && status != 200; ++attempt) {
    status = register_phone(bob, d, "bob");
    if (status != 200) (void)bob.receive(Millis(250));  // paces the retries
  }
  EXPECT_EQ(status, 200) << d.stderr_text();
  EXPECT_EQ(register_phone(carol, d, "carol"), 200);
  d.kill9();
  d.start();
  EXPECT_EQ(bound_users(d), (std::vector<std::string>{"alice", "bob", "carol"}));
}

TEST(SipproxydFaults, AReadOnlyStoreIsRefusedAtStartWithAClearError) {
  TempDir dir;
  SmallFilesystem fs(dir.file("small"), "8m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << fs.error();
  Daemon d(dir, {{"store", {{"path", dir.file("small") + "/sipsmith.db"}}}});
  provision(d, {"alice"});
  UdpPeer alice("127.0.0.14");
  ASSERT_EQ(register_phone(alice, d, "alice"), 200);
  ASSERT_EQ(d.stop_gracefully(), 0);
  // A filesystem turned read-only (a full or failing disk does that) while
  // the daemon was down: it does not start on a store it cannot write.
  ASSERT_TRUE(fs.read_only(true)) << std::strerror(errno);
  EXPECT_THROW(d.start(), std::runtime_error);
  EXPECT_NE(d.stderr_text().find("is read-only"), std::string::npos) << d.stderr_text();
  ASSERT_TRUE(fs.read_only(false)) << std::strerror(errno);
  d.start();
  EXPECT_EQ(bound_users(d), (std::vector<std::string>{"alice"}));
}

TEST(SipproxydFaults, ALockedDatabaseDelaysThenRefusesAndRecovers) {
  TempDir dir;
  Daemon d(dir, json::object());
  provision(d, {"alice", "bob"});
  UdpPeer alice("127.0.0.16"), bob("127.0.0.17");
  ASSERT_EQ(register_phone(alice, d, "alice"), 200);
  // Another program takes the write lock and keeps it past the daemon's
  // busy timeout (5 s).
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("sipsmith.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_GE(register_phone(bob, d, "bob"), 500) << d.stderr_text();
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_EQ(register_phone(bob, d, "bob"), 200) << d.stderr_text();
  EXPECT_EQ(bound_users(d), (std::vector<std::string>{"alice", "bob"}));
}

}  // namespace
}  // namespace sipsmith::itest
