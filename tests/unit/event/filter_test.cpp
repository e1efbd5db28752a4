// The console's filter language: keys, `and`, event classes, errors.
#include "sip/event/filter.hpp"

#include <gtest/gtest.h>

namespace sip::event {
namespace {

Event make(Type t, Level l = Level::Info) {
  Event e;
  e.type = t;
  e.level = l;
  e.owner = "acme";
  e.account = "alice@example.com";
  e.remote = "udp:127.0.0.1:5070";
  e.local = "udp:127.0.0.1:5060";
  e.method = "INVITE";
  e.message = "hello world";
  return e;
}

Filter parse_ok(std::string_view text) {
  std::string error;
  auto f = Filter::parse(text, &error);
  EXPECT_TRUE(f.has_value()) << text << ": " << error;
  return f ? *f : *Filter::parse("", nullptr);
}

std::string parse_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(Filter::parse(text, &error).has_value()) << text;
  return error;
}

TEST(EventFilter, EmptyIsEveryTypeButFullTraces) {
  const Filter f = parse_ok("  ");
  EXPECT_EQ(f.text(), "event *");
  EXPECT_TRUE(f.matches(make(Type::Call)));
  EXPECT_TRUE(f.matches(make(Type::DialPlan)));
  EXPECT_FALSE(f.matches(make(Type::Sip)));
  EXPECT_EQ(f.type_mask() & type_bit(Type::Sip), 0u);
}

TEST(EventFilter, FullIsOnlySipTraces) {
  const Filter f = parse_ok("event full");
  EXPECT_TRUE(f.matches(make(Type::Sip)));
  EXPECT_FALSE(f.matches(make(Type::Call)));
  EXPECT_EQ(f.type_mask(), type_bit(Type::Sip));
}

TEST(EventFilter, TroubleIsWarnAndError) {
  const Filter f = parse_ok("event trouble");
  EXPECT_FALSE(f.matches(make(Type::Leg, Level::Info)));
  EXPECT_TRUE(f.matches(make(Type::Leg, Level::Warn)));
  EXPECT_TRUE(f.matches(make(Type::ScriptError, Level::Error)));
}

TEST(EventFilter, ClausesJoinWithAnd) {
  const Filter f =
      parse_ok("event dialplan and user alice AND ipaddr 127.0.0.1:5070 and regex w.rld$");
  EXPECT_TRUE(f.matches(make(Type::DialPlan)));
  EXPECT_FALSE(f.matches(make(Type::Call)));
  Event other = make(Type::DialPlan);
  other.account = "bob@example.com";
  other.owner = "other";
  EXPECT_FALSE(f.matches(other));
  Event addr = make(Type::DialPlan);
  addr.remote = "udp:10.0.0.1:5070";
  addr.local = "udp:10.0.0.2:5060";
  EXPECT_FALSE(f.matches(addr));
  Event text = make(Type::DialPlan);
  text.message = "world hello";
  EXPECT_FALSE(f.matches(text));
}

TEST(EventFilter, UserMatchesOwnerAccountOrItsUser) {
  EXPECT_TRUE(parse_ok("user acme").matches(make(Type::Call)));
  EXPECT_TRUE(parse_ok("user alice@example.com").matches(make(Type::Call)));
  EXPECT_TRUE(parse_ok("user ALICE").matches(make(Type::Call)));
  EXPECT_FALSE(parse_ok("user ali").matches(make(Type::Call)));
}

TEST(EventFilter, RequestRestrictsFullTracesOnly) {
  const Filter f = parse_ok("event full and request register");
  Event sip = make(Type::Sip);
  EXPECT_FALSE(f.matches(sip));
  sip.method = "REGISTER";
  EXPECT_TRUE(f.matches(sip));
  EXPECT_TRUE(parse_ok("request register").matches(make(Type::Call)));
}

TEST(EventFilter, ErrorsSayWhatIsWrong) {
  EXPECT_NE(parse_error("colour red").find("filter key 'colour' is not recognised"),
            std::string::npos);
  EXPECT_NE(parse_error("event *  and nonsense").find("'nonsense'"), std::string::npos);
  EXPECT_NE(parse_error("event bogus").find("unknown event type 'bogus'"), std::string::npos);
  EXPECT_NE(parse_error("user").find("needs a value"), std::string::npos);
  EXPECT_NE(parse_error("regex (").find("bad regex"), std::string::npos);
  EXPECT_NE(parse_error("regex " + std::string(1100, 'a')).find("1024"), std::string::npos);
}

TEST(EventFilter, EveryTypeNameParses) {
  for (auto name : kTypeNames) {
    const auto t = parse_type(name);
    ASSERT_TRUE(t.has_value()) << name;
    EXPECT_EQ(type_name(*t), name);
    EXPECT_TRUE(parse_ok("event " + std::string(name)).matches(make(*t, Level::Info)));
  }
}

}  // namespace
}  // namespace sip::event
