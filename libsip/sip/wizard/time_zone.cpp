#include "sip/wizard/time_zone.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "sip/base/civil_time.hpp"

namespace sip::wizard {

// ---- POSIX TZ strings (RFC 8536 section 3.3, the TZif footer) --------------

namespace {

struct RuleDate {
  enum class Kind { Julian1, Julian0, MonthWeekDay } kind = Kind::MonthWeekDay;
  int a = 0, b = 0, c = 0;  // Jn: a=n; n: a=n; Mm.w.d: a=m b=w c=d
  int time = 7200;          // seconds after local midnight (may be negative or > 24 h)
};

struct PosixTz {
  int std_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  int dst_offset = 0;
  RuleDate start, end;
};

constexpr std::int64_t year_of_days(std::int64_t z) noexcept {
  return civil_from_days(z).year;
}

constexpr bool is_leap(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(std::int64_t y, int m) noexcept {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Local-time seconds (since the epoch, in the zone's own frame) at which the
// rule date of year `y` happens.
std::int64_t rule_local_seconds(const RuleDate& r, std::int64_t y) noexcept {
  std::int64_t day = 0;
  switch (r.kind) {
    case RuleDate::Kind::Julian1: {  // 1..365, Feb 29 never counted
      int n = r.a;
      day = days_from_civil(y, 1, 1) + n - 1;
      if (is_leap(y) && n >= 60) ++day;
      break;
    }
    case RuleDate::Kind::Julian0: day = days_from_civil(y, 1, 1) + r.a; break;
    case RuleDate::Kind::MonthWeekDay: {
      const std::int64_t first = days_from_civil(y, static_cast<unsigned>(r.a), 1);
      const int wd_first = static_cast<int>(((first % 7) + 11) % 7);  // 0 = Sunday (1970-01-01 Thu)
      int mday = 1 + (r.c - wd_first + 7) % 7 + 7 * (r.b - 1);
      while (mday > days_in_month(y, r.a)) mday -= 7;
      day = first + mday - 1;
      break;
    }
  }
  return day * 86400 + r.time;
}

class TzParser {
 public:
  explicit TzParser(std::string_view s) : s_(s) {}

  std::optional<PosixTz> parse() {
    PosixTz tz;
    if (!name()) return std::nullopt;
    auto off = offset();
    if (!off) return std::nullopt;
    tz.std_offset = -*off;
    if (i_ == s_.size()) return tz;
    if (!name()) return std::nullopt;
    tz.has_dst = true;
    tz.dst_offset = tz.std_offset + 3600;
    if (i_ < s_.size() && s_[i_] != ',') {
      auto d = offset();
      if (!d) return std::nullopt;
      tz.dst_offset = -*d;
    }
    if (i_ == s_.size()) {  // no rule: the US default (M3.2.0,M11.1.0)
      tz.start = RuleDate{RuleDate::Kind::MonthWeekDay, 3, 2, 0, 7200};
      tz.end = RuleDate{RuleDate::Kind::MonthWeekDay, 11, 1, 0, 7200};
      return tz;
    }
    if (s_[i_++] != ',') return std::nullopt;
    auto start = rule();
    if (!start || i_ >= s_.size() || s_[i_++] != ',') return std::nullopt;
    auto end = rule();
    if (!end || i_ != s_.size()) return std::nullopt;
    tz.start = *start;
    tz.end = *end;
    return tz;
  }

 private:
  bool name() {
    if (i_ < s_.size() && s_[i_] == '<') {
      const auto close = s_.find('>', i_);
      if (close == std::string_view::npos) return false;
      i_ = close + 1;
      return true;
    }
    const std::size_t begin = i_;
    while (i_ < s_.size() && ((s_[i_] >= 'A' && s_[i_] <= 'Z') || (s_[i_] >= 'a' && s_[i_] <= 'z')))
      ++i_;
    return i_ - begin >= 3;
  }
  std::optional<int> number(int max) {
    int v = 0;
    std::size_t begin = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9' && i_ - begin < 4)
      v = v * 10 + (s_[i_++] - '0');
    if (i_ == begin || v > max) return std::nullopt;
    return v;
  }
  // [+-]hh[:mm[:ss]] in seconds (POSIX sign: positive = west).
  std::optional<int> offset(int max_hours = 24) {
    int sign = 1;
    if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) sign = s_[i_++] == '-' ? -1 : 1;
    auto h = number(max_hours);
    if (!h) return std::nullopt;
    int secs = *h * 3600;
    for (int part = 0; part < 2 && i_ < s_.size() && s_[i_] == ':'; ++part) {
      ++i_;
      auto v = number(59);
      if (!v) return std::nullopt;
      secs += part == 0 ? *v * 60 : *v;
    }
    return sign * secs;
  }
  std::optional<RuleDate> rule() {
    RuleDate r;
    if (i_ < s_.size() && s_[i_] == 'J') {
      ++i_;
      auto n = number(365);
      if (!n || *n < 1) return std::nullopt;
      r.kind = RuleDate::Kind::Julian1;
      r.a = *n;
    } else if (i_ < s_.size() && s_[i_] == 'M') {
      ++i_;
      auto m = number(12);
      if (!m || *m < 1 || i_ >= s_.size() || s_[i_++] != '.') return std::nullopt;
      auto w = number(5);
      if (!w || *w < 1 || i_ >= s_.size() || s_[i_++] != '.') return std::nullopt;
      auto d = number(6);
      if (!d) return std::nullopt;
      r.kind = RuleDate::Kind::MonthWeekDay;
      r.a = *m;
      r.b = *w;
      r.c = *d;
    } else {
      auto n = number(365);
      if (!n) return std::nullopt;
      r.kind = RuleDate::Kind::Julian0;
      r.a = *n;
    }
    if (i_ < s_.size() && s_[i_] == '/') {
      ++i_;
      auto t = offset(167);
      if (!t) return std::nullopt;
      r.time = *t;
    }
    return r;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

int posix_offset(const PosixTz& tz, std::int64_t t) noexcept {
  if (!tz.has_dst) return tz.std_offset;
  const std::int64_t y =
      year_of_days((t + tz.std_offset) / 86400 - ((t + tz.std_offset) % 86400 < 0));
  const std::int64_t start = rule_local_seconds(tz.start, y) - tz.std_offset;
  const std::int64_t end = rule_local_seconds(tz.end, y) - tz.dst_offset;
  const bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? tz.dst_offset : tz.std_offset;
}

// ---- TZif -------------------------------------------------------------------

struct Reader {
  std::string_view data;
  std::size_t pos = 0;
  bool ok = true;
  std::int64_t be(int bytes) {
    if (pos + static_cast<std::size_t>(bytes) > data.size()) {
      ok = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data[pos++]);
    if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    if (bytes == 1) return static_cast<std::int64_t>(v);
    return static_cast<std::int64_t>(v);
  }
  void skip(std::size_t n) {
    if (pos + n > data.size()) ok = false;
    pos = std::min(pos + n, data.size());
  }
};

}  // namespace

class ZoneData {
 public:
  std::string name;
  std::vector<std::int64_t> transitions;  // ascending unix seconds
  std::vector<int> transition_offsets;    // offset in effect from transitions[i]
  int initial_offset = 0;                 // before the first transition
  std::optional<PosixTz> footer;

  int offset_at(std::int64_t t) const noexcept {
    if (transitions.empty() || t < transitions.front()) {
      if (transitions.empty() && footer) return posix_offset(*footer, t);
      return initial_offset;
    }
    if (t >= transitions.back() && footer) return posix_offset(*footer, t);
    auto it = std::upper_bound(transitions.begin(), transitions.end(), t);
    return transition_offsets[static_cast<std::size_t>(it - transitions.begin()) - 1];
  }
};

namespace {

// Parses a whole TZif file; nullopt when it is malformed.
std::optional<ZoneData> parse_tzif(std::string_view file) {
  Reader r{file};
  if (file.size() < 44 || file.substr(0, 4) != "TZif") return std::nullopt;
  const char version = file[4];
  auto read_counts = [&](std::int64_t(&c)[6]) {
    r.skip(20);
    for (auto& v : c) v = r.be(4);
  };
  std::int64_t c[6];  // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
  read_counts(c);
  int time_size = 4;
  if (version >= '2') {
    r.skip(static_cast<std::size_t>(c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]));
    read_counts(c);
    time_size = 8;
  }
  if (!r.ok || c[4] < 1 || c[3] < 0 || c[3] > 100000 || c[4] > 256) return std::nullopt;
  ZoneData z;
  std::vector<std::uint8_t> index(static_cast<std::size_t>(c[3]));
  z.transitions.resize(static_cast<std::size_t>(c[3]));
  for (auto& t : z.transitions) t = r.be(time_size);
  for (auto& i : index) i = static_cast<std::uint8_t>(r.be(1));
  std::vector<int> offsets(static_cast<std::size_t>(c[4]));
  for (auto& o : offsets) {
    o = static_cast<int>(r.be(4));
    r.skip(2);  // isdst, abbrind
  }
  r.skip(static_cast<std::size_t>(c[5] + c[2] * (time_size + 4) + c[1] + c[0]));
  if (!r.ok) return std::nullopt;
  for (auto i : index)
    if (i >= offsets.size()) return std::nullopt;
  for (auto i : index) z.transition_offsets.push_back(offsets[i]);
  z.initial_offset = offsets[0];
  if (version >= '2' && r.pos < file.size() && file[r.pos] == '\n') {
    const auto end = file.find('\n', r.pos + 1);
    if (end != std::string_view::npos && end > r.pos + 1) {
      z.footer = TzParser(file.substr(r.pos + 1, end - r.pos - 1)).parse();
      if (!z.footer) return std::nullopt;
    }
  }
  return z;
}

constexpr std::size_t kMaxFile = 1u << 20;

// Reads at most kMaxFile + 1 bytes of a regular file.
bool read_file(const std::string& path, std::string& out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char buf[8192];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && out.size() <= kMaxFile) out.append(buf, n);
  const bool ok = std::ferror(f) == 0;
  std::fclose(f);
  return ok;
}

bool valid_zone_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 128 || name.front() == '/' || name.find("..") != name.npos)
    return false;
  for (char ch : name) {
    const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                    (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-' || ch == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<int> parse_fixed_offset(std::string_view text) noexcept {
  if (text == "UTC" || text == "GMT" || text == "Z" || text == "Etc/UTC") return 0;
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  const int sign = text[0] == '-' ? -1 : 1;
  std::string digits;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == ':' && i == 3) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    digits += text[i];
  }
  if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
  const int h = (digits[0] - '0') * 10 + (digits[1] - '0');
  const int m = digits.size() == 4 ? (digits[2] - '0') * 10 + (digits[3] - '0') : 0;
  if (h > 18 || m > 59) return std::nullopt;
  return sign * (h * 3600 + m * 60);
}

int TimeZone::offset_seconds(std::int64_t unix_seconds) const noexcept {
  return data_->offset_at(unix_seconds);
}

const std::string& TimeZone::name() const noexcept {
  return data_->name;
}

Result<TimeZone> TimeZoneDb::find(std::string_view name) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(name); it != cache_.end()) return TimeZone(it->second);
  }
  auto data = std::make_shared<ZoneData>();
  if (auto fixed = parse_fixed_offset(name)) {
    data->initial_offset = *fixed;
  } else {
    if (!valid_zone_name(name)) return make_error(Errc::bad_value, 0, "invalid time zone name");
    std::string bytes;
    if (!read_file(root_ + "/" + std::string(name), bytes))
      return make_error(Errc::not_found, 0, "unknown time zone");
    if (bytes.size() > kMaxFile) return make_error(Errc::bad_config, 0, "time zone file too large");
    auto parsed = parse_tzif(bytes);
    if (!parsed) return make_error(Errc::bad_config, 0, "time zone file is not valid TZif");
    *data = std::move(*parsed);
  }
  data->name = std::string(name);
  std::lock_guard lock(mutex_);
  auto [it, inserted] = cache_.emplace(std::string(name), std::move(data));
  return TimeZone(it->second);
}

TimeZoneDb& TimeZoneDb::shared() {
  static TimeZoneDb db;
  return db;
}

}  // namespace sip::wizard
