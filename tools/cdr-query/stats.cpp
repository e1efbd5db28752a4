#include "stats.hpp"

#include "output.hpp"

namespace sipsmith::cdrq {
namespace {

void count(StatsCell& s, const sip::store::Cdr& c) {
  ++s.legs;
  if (c.answer_status != 0) ++s.seizures;
  if (c.answer_status >= 200 && c.answer_status < 300) {
    ++s.answered;
    s.talk_s += c.talk_duration;
  }
}

}  // namespace

void Stats::add(const sip::store::Cdr& c) {
  count(total_, c);
  if (c.account.empty()) return;
  if (c.account.find('@') != std::string::npos) {
    count(groups_[{"account", c.account}], c);
  } else if (c.direction == "out") {
    count(groups_[{"provider", c.account}], c);
  }
}

void Stats::print(Format format, std::FILE* out) const {
  auto each = [&](auto&& row) {
    row("total", std::string(), total_);
    for (const char* group : {"account", "provider"})
      for (const auto& [key, cell] : groups_)
        if (key.first == group) row(key.first, key.second, cell);
  };
  switch (format) {
    case Format::Table:
      std::fprintf(out, "%-9s %-32s %8s %8s %8s %7s %8s\n", "GROUP", "NAME", "LEGS", "SEIZED",
                   "ANSWERED", "ASR%", "ACD(s)");
      each([&](const std::string& g, const std::string& n, const StatsCell& s) {
        std::fprintf(out, "%-9s %-32s %8llu %8llu %8llu %7.1f %8.1f\n", g.c_str(),
                     n.empty() ? "-" : n.c_str(), static_cast<unsigned long long>(s.legs),
                     static_cast<unsigned long long>(s.seizures),
                     static_cast<unsigned long long>(s.answered), s.asr(), s.acd());
      });
      return;
    case Format::Csv: {
      std::fputs("group,name,legs,seizures,answered,asr,acd,talk_seconds\r\n", out);
      each([&](const std::string& g, const std::string& n, const StatsCell& s) {
        std::string name;
        append_csv_field(name, n);
        std::fprintf(out, "%s,%s,%llu,%llu,%llu,%.2f,%.2f,%lld\r\n", g.c_str(), name.c_str(),
                     static_cast<unsigned long long>(s.legs),
                     static_cast<unsigned long long>(s.seizures),
                     static_cast<unsigned long long>(s.answered), s.asr(), s.acd(),
                     static_cast<long long>(s.talk_s));
      });
      return;
    }
    case Format::Ndjson:
    case Format::Json: {
      const bool array = format == Format::Json;
      bool first = true;
      if (array) std::fputs("[", out);
      each([&](const std::string& g, const std::string& n, const StatsCell& s) {
        std::string name;
        append_json_escaped(name, n);
        if (array) std::fputs(first ? "\n" : ",\n", out);
        first = false;
        std::fprintf(out,
                     "{%s\"group\":\"%s\",\"name\":\"%s\",\"legs\":%llu,\"seizures\":%llu,"
                     "\"answered\":%llu,\"asr\":%.2f,\"acd\":%.2f,\"talk_seconds\":%lld}%s",
                     array ? "" : "\"event\":\"stats\",", g.c_str(), name.c_str(),
                     static_cast<unsigned long long>(s.legs),
                     static_cast<unsigned long long>(s.seizures),
                     static_cast<unsigned long long>(s.answered), s.asr(), s.acd(),
                     static_cast<long long>(s.talk_s), array ? "" : "\n");
      });
      if (array) std::fputs("\n]\n", out);
      return;
    }
  }
}

}  // namespace sipsmith::cdrq
