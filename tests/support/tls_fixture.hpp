// Throwaway PKI for TLS tests: a CA and a server certificate for
// "sip.test" / 127.0.0.1 / ::1, made with the openssl command in a fresh
// temporary directory that is removed afterwards.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace sip::testing {

class TlsFixture {
 public:
  TlsFixture() {
    char tmpl[] = "/tmp/sipsmith-tls-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    const std::string d = dir_.string();
    const std::string cmd =
        "cd " + d +
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
        "-subj /CN=sipsmith-test-ca -keyout ca.key -out ca.pem >/dev/null 2>&1"
        " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=sip.test "
        "-keyout server.key -out server.csr >/dev/null 2>&1"
        " && printf 'subjectAltName=DNS:sip.test,IP:127.0.0.1,IP:::1\\n' > ext.cnf"
        " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "-extfile ext.cnf -out server.pem >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("openssl could not make test certificates");
  }
  ~TlsFixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TlsFixture(const TlsFixture&) = delete;
  TlsFixture& operator=(const TlsFixture&) = delete;

  std::string ca() const { return (dir_ / "ca.pem").string(); }
  std::string cert() const { return (dir_ / "server.pem").string(); }
  std::string key() const { return (dir_ / "server.key").string(); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace sip::testing
