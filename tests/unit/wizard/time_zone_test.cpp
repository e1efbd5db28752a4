// TimeZoneDb over the system tzdata: DST both ways, slim files' POSIX
// footers, fixed offsets, unknown zones.
#include "sip/wizard/time_zone.hpp"

#include <gtest/gtest.h>

#include "sip/wizard/rules.hpp"

namespace sip::wizard {
namespace {

// 2024-07-01T12:00:00Z and 2024-01-15T12:00:00Z.
constexpr std::int64_t kSummer = 1719835200;
constexpr std::int64_t kWinter = 1705320000;

TEST(TimeZone, DublinSummerAndWinter) {
  auto z = TimeZoneDb::shared().find("Europe/Dublin");
  ASSERT_TRUE(z.ok()) << z.error().to_string();
  EXPECT_EQ(z->offset_seconds(kSummer), 3600);
  EXPECT_EQ(z->offset_seconds(kWinter), 0);
  EXPECT_EQ(z->name(), "Europe/Dublin");
}

TEST(TimeZone, DstSwitchInstantsEurope) {
  auto z = TimeZoneDb::shared().find("Europe/Dublin");
  ASSERT_TRUE(z.ok());
  // 2024-03-31T01:00:00Z: clocks go forward; 2024-10-27T01:00:00Z: back.
  EXPECT_EQ(z->offset_seconds(1711846800 - 1), 0);
  EXPECT_EQ(z->offset_seconds(1711846800), 3600);
  EXPECT_EQ(z->offset_seconds(1729990800 - 1), 3600);
  EXPECT_EQ(z->offset_seconds(1729990800), 0);
  // Far future: only the footer rule can answer (2090-07-01 / 2090-01-01).
  EXPECT_EQ(z->offset_seconds(3802550400), 3600);
  EXPECT_EQ(z->offset_seconds(3786912000), 0);
}

TEST(TimeZone, SouthernHemisphereAndUs) {
  auto syd = TimeZoneDb::shared().find("Australia/Sydney");
  ASSERT_TRUE(syd.ok());
  EXPECT_EQ(syd->offset_seconds(kWinter), 11 * 3600);  // January = summer time
  EXPECT_EQ(syd->offset_seconds(kSummer), 10 * 3600);
  auto ny = TimeZoneDb::shared().find("America/New_York");
  ASSERT_TRUE(ny.ok());
  EXPECT_EQ(ny->offset_seconds(kSummer), -4 * 3600);
  EXPECT_EQ(ny->offset_seconds(kWinter), -5 * 3600);
  // 2024-03-10T07:00:00Z: 02:00 EST -> 03:00 EDT.
  EXPECT_EQ(ny->offset_seconds(1710054000 - 1), -5 * 3600);
  EXPECT_EQ(ny->offset_seconds(1710054000), -4 * 3600);
  auto kolkata = TimeZoneDb::shared().find("Asia/Kolkata");
  ASSERT_TRUE(kolkata.ok());
  EXPECT_EQ(kolkata->offset_seconds(kSummer), 5 * 3600 + 1800);
}

TEST(TimeZone, FixedOffsetsWithoutFiles) {
  TimeZoneDb empty("/nonexistent-zoneinfo");
  auto utc = empty.find("UTC");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(utc->offset_seconds(kSummer), 0);
  auto plus = empty.find("+05:30");
  ASSERT_TRUE(plus.ok());
  EXPECT_EQ(plus->offset_seconds(kSummer), 5 * 3600 + 1800);
  auto minus = empty.find("-0800");
  ASSERT_TRUE(minus.ok());
  EXPECT_EQ(minus->offset_seconds(0), -8 * 3600);
  EXPECT_EQ(empty.find("Europe/Dublin").error().code, Errc::not_found);
  EXPECT_FALSE(parse_fixed_offset("+25:00"));
  EXPECT_FALSE(parse_fixed_offset("+1:00"));
}

TEST(TimeZone, UnknownAndHostileNames) {
  auto& db = TimeZoneDb::shared();
  EXPECT_EQ(db.find("Mars/Olympus_Mons").error().code, Errc::not_found);
  EXPECT_EQ(db.find("../../etc/passwd").error().code, Errc::bad_value);
  EXPECT_EQ(db.find("/etc/passwd").error().code, Errc::bad_value);
  EXPECT_EQ(db.find("Europe/Dublin;rm").error().code, Errc::bad_value);
  EXPECT_EQ(db.find("").error().code, Errc::bad_value);
  EXPECT_EQ(db.find("Europe").error().code, Errc::not_found);  // a directory
}

TEST(TimeWindow, ParseDaysAndHours) {
  std::string error;
  auto w = parse_time_window("MTuWThF;09:00-17:30", &error);
  ASSERT_TRUE(w) << error;
  EXPECT_EQ(w->days, 0x1f);
  EXPECT_EQ(w->start_minute, 9 * 60);
  EXPECT_EQ(w->end_minute, 17 * 60 + 30);
  auto weekend = parse_time_window("SaSu;00:00-23:59", &error);
  ASSERT_TRUE(weekend);
  EXPECT_EQ(weekend->days, 0x60);
  auto every = parse_time_window(";08:00-09:00", &error);
  ASSERT_TRUE(every);
  EXPECT_EQ(every->days, 0x7f);
  EXPECT_FALSE(parse_time_window("MX;09:00-10:00", &error));
  EXPECT_NE(error.find("unknown day"), std::string::npos);
  EXPECT_FALSE(parse_time_window("M;9:00-10:00", &error));
  EXPECT_FALSE(parse_time_window("M;09:00-24:00", &error));
  EXPECT_FALSE(parse_time_window("M 09:00-10:00", &error));
}

TEST(TimeWindow, InclusiveEndsAndOvernight) {
  std::string error;
  auto day = *parse_time_window("M;09:00-17:00", &error);
  EXPECT_TRUE(window_contains(day, 0, 9 * 60));
  EXPECT_TRUE(window_contains(day, 0, 17 * 60));
  EXPECT_FALSE(window_contains(day, 0, 17 * 60 + 1));
  EXPECT_FALSE(window_contains(day, 1, 12 * 60));
  auto night = *parse_time_window("F;22:00-06:00", &error);
  EXPECT_TRUE(window_contains(night, 4, 23 * 60));   // Friday 23:00
  EXPECT_TRUE(window_contains(night, 5, 5 * 60));    // Saturday 05:00
  EXPECT_FALSE(window_contains(night, 5, 23 * 60));  // Saturday 23:00
  EXPECT_FALSE(window_contains(night, 4, 5 * 60));   // Friday 05:00 belongs to Thursday
  auto sunday_night = *parse_time_window("Su;23:00-01:00", &error);
  EXPECT_TRUE(window_contains(sunday_night, 0, 30));  // Monday 00:30 (wraps the week)
}

}  // namespace
}  // namespace sip::wizard
