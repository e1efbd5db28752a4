// RFC 4475 torture messages, table-driven from the shared corpus's
// MANIFEST.tsv: the datagram parser plus validate_request()/validate_response()
// must give each message the manifest's reaction. Rows whose reaction depends
// on the element's role are listed below by name with the issue that builds
// that role; they are reported as skipped with that owner, never silently.
// The corpus is read from $SIPSMITH_CONFORMANCE_DIR or ../shared/conformance
// next to the repository and is never copied into it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "corpus.hpp"
#include "sip/message/validate.hpp"
#include "sip/parser/parse.hpp"

namespace {

namespace fs = std::filesystem;

struct Row {
  std::string file, section, cls, expect, note;
};

// Role rows and where they are tested (or the issue that will test them).
const std::map<std::string, std::string>& role_owners() {
  static const std::map<std::string, std::string> owners{
      {"invut.dat",
       "sipproxyd's B2BUA forwards it, the phone answers 415: "
       "SipproxydRfc4475.InviteWithUnknownContentTypeIsForwarded"},
      {"regaut01.dat",
       "the registrar: Rfc4475Registrar in rfc4475_registrar_test.cpp (401 challenge)"},
      {"zeromf.dat",
       "sipproxyd: SipproxydServer.OptionsToTheServerAnswers200EvenWithMaxForwardsZero"},
      {"cparam01.dat", "the registrar: Rfc4475Registrar in rfc4475_registrar_test.cpp"},
      {"cparam02.dat", "the registrar: Rfc4475Registrar in rfc4475_registrar_test.cpp"},
      {"regescrt.dat", "the registrar: Rfc4475Registrar in rfc4475_registrar_test.cpp"},
      {"sdp01.dat",
       "sipproxyd's B2BUA forwards it, the phone answers 406: "
       "SipproxydRfc4475.Sdp01IsForwardedWithItsSdp"},
  };
  return owners;
}

using sip::testing::corpus_dir;

std::vector<Row> load_manifest() {
  std::vector<Row> rows;
  std::ifstream in(corpus_dir() / "MANIFEST.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (cols.size() < 4) continue;
    rows.push_back({cols[0], cols[1], cols[2], cols[3], cols.size() > 4 ? cols[4] : ""});
  }
  return rows;
}

const std::vector<Row>& manifest() {
  static const std::vector<Row> rows = load_manifest();
  return rows;
}

// The element's reaction as the manifest spells it: "accept", "drop" or a code.
std::string reaction(const std::string& datagram, std::string* why) {
  using sip::msg::Verdict;
  auto m = sip::parser::parse_datagram(std::string_view(datagram));
  Verdict v;
  if (!m) {
    v = sip::msg::verdict_for_parse_error(datagram, m.error());
  } else if (m->is_request()) {
    v = sip::msg::validate_request(*m);
  } else {
    v = sip::msg::validate_response(*m);
  }
  if (why) *why = v.error.to_string();
  switch (v.action) {
    case Verdict::Action::Accept: return "accept";
    case Verdict::Action::Drop: return "drop";
    case Verdict::Action::Respond: return std::to_string(v.status);
  }
  return "?";
}

bool expected(const std::string& expect, const std::string& got) {
  std::stringstream ss(expect);
  std::string alt;
  while (std::getline(ss, alt, '|'))
    if (alt == got) return true;
  return false;
}

TEST(Rfc4475Corpus, IsPresentAndComplete) {
  ASSERT_TRUE(fs::exists(corpus_dir() / "MANIFEST.tsv"))
      << "RFC 4475 corpus not found at " << corpus_dir()
      << " (set SIPSMITH_CONFORMANCE_DIR to the directory holding MANIFEST.tsv)";
  EXPECT_EQ(manifest().size(), 49u);
  for (const Row& r : manifest())
    EXPECT_TRUE(fs::exists(corpus_dir() / r.file)) << r.file << " listed but missing";
}

TEST(Rfc4475Corpus, RoleRowsAreExactlyTheNamedOnes) {
  std::size_t roles = 0;
  for (const Row& r : manifest()) {
    if (r.expect != "role") continue;
    ++roles;
    EXPECT_TRUE(role_owners().count(r.file)) << r.file << " is a role row without an owner";
  }
  EXPECT_EQ(roles, role_owners().size())
      << "the owner table names rows the manifest does not mark role";
}

class Rfc4475 : public ::testing::TestWithParam<Row> {};

TEST_P(Rfc4475, GetsTheManifestReaction) {
  const Row& row = GetParam();
  const std::string bytes = sip::testing::read_corpus_file(row.file);
  ASSERT_FALSE(bytes.empty()) << row.file;
  std::string why;
  const std::string got = reaction(bytes, &why);
  if (row.expect == "role") {
    GTEST_SKIP() << row.file << " (" << row.note << "): role row tested by "
                 << role_owners().at(row.file) << "; message layer says " << got;
  }
  EXPECT_TRUE(expected(row.expect, got))
      << row.file << " (" << row.section << ", " << row.note << "): expected " << row.expect
      << ", got " << got << " [" << why << "]";
}

std::string row_name(const ::testing::TestParamInfo<Row>& info) {
  std::string n = info.param.file;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Manifest, Rfc4475, ::testing::ValuesIn(manifest()), row_name);

}  // namespace
