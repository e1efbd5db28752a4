#include "output.hpp"

#include <array>
#include <cstdint>
#include <string_view>

#include "times.hpp"

namespace sipsmith::cdrq {
namespace {

using sip::store::Cdr;

enum class Kind : std::uint8_t { Text, Time, Int, Owner };

// One column of every format; the table lists all of them once.
struct Column {
  const char* name;
  Kind kind;
  std::string Cdr::*text = nullptr;
  std::int64_t Cdr::*i64 = nullptr;
  int Cdr::*i32 = nullptr;
};

constexpr Column text(const char* n, std::string Cdr::*m) {
  return {n, Kind::Text, m, nullptr, nullptr};
}
constexpr Column time(const char* n, std::int64_t Cdr::*m) {
  return {n, Kind::Time, nullptr, m, nullptr};
}
constexpr Column num(const char* n, std::int64_t Cdr::*m) {
  return {n, Kind::Int, nullptr, m, nullptr};
}
constexpr Column num(const char* n, int Cdr::*m) {
  return {n, Kind::Int, nullptr, nullptr, m};
}

const std::array kColumns = {
    text("id", &Cdr::id),
    num("final_seq", &Cdr::final_seq),
    time("inserted", &Cdr::inserted),
    num("owner_id", &Cdr::owner_id),
    Column{"owner", Kind::Owner},
    text("account", &Cdr::account),
    text("dialplan", &Cdr::dialplan),
    text("direction", &Cdr::direction),
    time("created", &Cdr::created),
    text("dst_user", &Cdr::dst_user),
    text("dst_host", &Cdr::dst_host),
    text("dst_uri", &Cdr::dst_uri),
    text("from_user", &Cdr::from_user),
    text("from_name", &Cdr::from_name),
    text("from_header", &Cdr::from_header),
    text("call_id", &Cdr::call_id),
    text("local_socket", &Cdr::local_socket),
    text("remote_socket", &Cdr::remote_socket),
    text("bridge_id", &Cdr::bridge_id),
    time("progress_at", &Cdr::progress_at),
    num("progress_status", &Cdr::progress_status),
    text("progress_reason", &Cdr::progress_reason),
    time("answered_at", &Cdr::answered_at),
    num("answer_status", &Cdr::answer_status),
    text("answer_reason", &Cdr::answer_reason),
    time("hungup_at", &Cdr::hungup_at),
    text("hangup_reason", &Cdr::hangup_reason),
    num("ring_duration", &Cdr::ring_duration),
    num("talk_duration", &Cdr::talk_duration),
};

std::int64_t int_of(const Column& col, const Cdr& c) {
  return col.i64 != nullptr ? c.*col.i64 : c.*col.i32;
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  char* end = buf + sizeof buf;
  char* p = end;
  const bool neg = v < 0;
  std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (neg) *--p = '-';
  out.append(p, static_cast<std::size_t>(end - p));
}

void write_line(std::FILE* out, const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), out);
}

class CsvWriter final : public RecordWriter {
 public:
  explicit CsvWriter(std::FILE* out) : out_(out) {}
  void begin() override {
    line_.clear();
    for (std::size_t i = 0; i < kColumns.size(); ++i) {
      if (i != 0) line_.push_back(',');
      line_.append(kColumns[i].name);
    }
    line_.append("\r\n");
    write_line(out_, line_);
  }
  void record(const Cdr& c, const std::string& owner) override {
    line_.clear();
    for (std::size_t i = 0; i < kColumns.size(); ++i) {
      const Column& col = kColumns[i];
      if (i != 0) line_.push_back(',');
      switch (col.kind) {
        case Kind::Text: append_csv_field(line_, c.*col.text); break;
        case Kind::Owner: append_csv_field(line_, owner); break;
        case Kind::Int: append_int(line_, int_of(col, c)); break;
        case Kind::Time:
          if (c.*col.i64 != 0) append_iso_utc(line_, c.*col.i64);
          break;
      }
    }
    line_.append("\r\n");
    write_line(out_, line_);
  }

 private:
  std::FILE* out_;
  std::string line_;
};

// NDJSON lines or the members of one array.
class JsonWriter final : public RecordWriter {
 public:
  JsonWriter(std::FILE* out, bool array) : out_(out), array_(array) {}
  void begin() override {
    if (array_) std::fputs("[", out_);
  }
  void record(const Cdr& c, const std::string& owner) override {
    line_.clear();
    if (array_) line_.append(first_ ? "\n" : ",\n");
    first_ = false;
    line_.append(array_ ? "{" : "{\"event\":\"cdr\",");
    for (std::size_t i = 0; i < kColumns.size(); ++i) {
      const Column& col = kColumns[i];
      if (i != 0) line_.push_back(',');
      line_.push_back('"');
      line_.append(col.name);
      line_.append("\":");
      switch (col.kind) {
        case Kind::Text:
        case Kind::Owner:
          line_.push_back('"');
          append_json_escaped(line_, col.kind == Kind::Owner ? owner : c.*col.text);
          line_.push_back('"');
          break;
        case Kind::Int: append_int(line_, int_of(col, c)); break;
        case Kind::Time:
          if (c.*col.i64 == 0) {
            line_.append("null");
          } else {
            line_.push_back('"');
            append_iso_utc(line_, c.*col.i64);
            line_.push_back('"');
          }
          break;
      }
    }
    line_.append(array_ ? "}" : "}\n");
    write_line(out_, line_);
  }
  void end() override {
    if (array_) std::fputs(first_ ? "]\n" : "\n]\n", out_);
  }

 private:
  std::FILE* out_;
  bool array_;
  bool first_ = true;
  std::string line_;
};

// Fixed columns for a terminal; long values push the row wider rather
// than being cut.
class TableWriter final : public RecordWriter {
 public:
  explicit TableWriter(std::FILE* out) : out_(out) {}
  void begin() override {
    std::fprintf(out_, "%-23s %-3s %-24s %-16s %-16s %6s %4s %6s %-16s %s\n", "CREATED", "DIR",
                 "ACCOUNT", "FROM", "TO", "STATUS", "RING", "TALK", "HANGUP", "CALL-ID");
  }
  void record(const Cdr& c, const std::string&) override {
    const std::string created = iso_utc(c.created);
    std::fprintf(out_, "%-23s %-3s %-24s %-16s %-16s %6d %4d %6d %-16s %s\n", created.c_str(),
                 c.direction.c_str(), c.account.c_str(), c.from_user.c_str(), c.dst_user.c_str(),
                 c.answer_status, c.ring_duration, c.talk_duration,
                 c.hungup_at == 0 ? "(running)" : c.hangup_reason.c_str(), c.call_id.c_str());
  }

 private:
  std::FILE* out_;
};

// Length of the valid UTF-8 sequence at s[i], 0 when invalid.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  std::uint32_t min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  std::uint32_t cp = c & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_length(s, i);
      if (n == 0) {
        out.append("\xEF\xBF\xBD");
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
}

void append_csv_field(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(s);
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::unique_ptr<RecordWriter> make_writer(Format format, std::FILE* out) {
  switch (format) {
    case Format::Table: return std::make_unique<TableWriter>(out);
    case Format::Csv: return std::make_unique<CsvWriter>(out);
    case Format::Ndjson: return std::make_unique<JsonWriter>(out, false);
    case Format::Json: return std::make_unique<JsonWriter>(out, true);
  }
  return std::make_unique<JsonWriter>(out, false);
}

}  // namespace sipsmith::cdrq
