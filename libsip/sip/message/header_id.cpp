#include "sip/message/header_id.hpp"

#include <array>

#include "sip/base/ci.hpp"

namespace sip::msg {
namespace {

struct Entry {
  std::string_view name;
  char compact;
  bool list;
};

constexpr std::array<Entry, static_cast<std::size_t>(HeaderId::Other)> kEntries{{
#define SIP_HEADER_ENTRY(id, name, compact, list) {name, compact, list},
    SIP_HEADER_LIST(SIP_HEADER_ENTRY)
#undef SIP_HEADER_ENTRY
}};

// Buckets by lower-cased first letter so a lookup compares against a few
// names only. Built at compile time from the one list above.
constexpr std::size_t kMaxPerBucket = 12;
struct Bucket {
  std::array<std::uint8_t, kMaxPerBucket> ids{};
  std::uint8_t count = 0;
};

constexpr std::array<Bucket, 26> make_buckets() {
  std::array<Bucket, 26> b{};
  for (std::size_t i = 0; i < kEntries.size(); ++i) {
    const char c = ascii_lower(kEntries[i].name[0]);
    Bucket& k = b[static_cast<std::size_t>(c - 'a')];
    k.ids[k.count++] = static_cast<std::uint8_t>(i);
  }
  return b;
}
constexpr std::array<Bucket, 26> kBuckets = make_buckets();

constexpr std::array<std::uint8_t, 26> make_compact() {
  std::array<std::uint8_t, 26> t{};
  for (auto& v : t) v = static_cast<std::uint8_t>(HeaderId::Other);
  for (std::size_t i = 0; i < kEntries.size(); ++i)
    if (kEntries[i].compact)
      t[static_cast<std::size_t>(kEntries[i].compact - 'a')] = static_cast<std::uint8_t>(i);
  return t;
}
constexpr std::array<std::uint8_t, 26> kCompact = make_compact();

}  // namespace

HeaderId header_id_from_name(std::string_view name) noexcept {
  if (name.empty()) return HeaderId::Other;
  const char c = ascii_lower(name[0]);
  if (c < 'a' || c > 'z') return HeaderId::Other;
  const auto slot = static_cast<std::size_t>(c - 'a');
  if (name.size() == 1) return static_cast<HeaderId>(kCompact[slot]);
  const Bucket& b = kBuckets[slot];
  for (std::uint8_t i = 0; i < b.count; ++i) {
    const Entry& e = kEntries[b.ids[i]];
    if (e.name.size() == name.size() && ci_equal(e.name, name))
      return static_cast<HeaderId>(b.ids[i]);
  }
  return HeaderId::Other;
}

std::string_view header_name(HeaderId id) noexcept {
  const auto i = static_cast<std::size_t>(id);
  return i < kEntries.size() ? kEntries[i].name : std::string_view{};
}

bool header_is_list(HeaderId id) noexcept {
  const auto i = static_cast<std::size_t>(id);
  return i < kEntries.size() && kEntries[i].list;
}

}  // namespace sip::msg
