// The Bus: nothing wanted without subscribers, scope by owner, bounded
// queues that drop the oldest and count, Call-ID owners for traces.
#include "sip/event/bus.hpp"

#include <gtest/gtest.h>

#include "sip/event/format.hpp"

namespace sip::event {
namespace {

Filter filter(std::string_view text) {
  auto f = Filter::parse(text, nullptr);
  EXPECT_TRUE(f.has_value());
  return *f;
}

Event call(std::int64_t owner, std::string message) {
  Event e;
  e.type = Type::Call;
  e.owner_id = owner;
  e.message = std::move(message);
  return e;
}

TEST(EventBus, WantsNothingWithoutSubscribers) {
  Bus bus;
  for (std::size_t i = 0; i < kTypeCount; ++i) EXPECT_FALSE(bus.wants(static_cast<Type>(i)));
  auto s = bus.subscribe(filter("event call"), 0, 10);
  EXPECT_TRUE(bus.wants(Type::Call));
  EXPECT_FALSE(bus.wants(Type::Sip));
  s->close();
  bus.emit(call(1, "x"));  // sweeps the closed subscription
  EXPECT_FALSE(bus.wants(Type::Call));
  EXPECT_EQ(bus.subscribers(), 0u);
}

TEST(EventBus, CustomerScopeSeesOnlyItsOwn) {
  Bus bus;
  auto admin = bus.subscribe(filter(""), 0, 10);
  auto a = bus.subscribe(filter(""), 1, 10);
  auto b = bus.subscribe(filter(""), 2, 10);
  bus.emit(call(1, "one"));
  bus.emit(call(2, "two"));
  bus.emit(call(0, "nobody's"));
  EXPECT_EQ(admin->take().events.size(), 3u);
  auto ta = a->take();
  ASSERT_EQ(ta.events.size(), 1u);
  EXPECT_EQ(ta.events[0]->message, "one");
  auto tb = b->take();
  ASSERT_EQ(tb.events.size(), 1u);
  EXPECT_EQ(tb.events[0]->message, "two");
  EXPECT_NE(ta.events[0]->time, 0);  // stamped
}

TEST(EventBus, FullQueueDropsOldestAndCounts) {
  Bus bus;
  int notified = 0;
  auto s = bus.subscribe(filter(""), 0, 3, [&] { ++notified; });
  for (int i = 0; i < 10; ++i) bus.emit(call(1, std::to_string(i)));
  EXPECT_EQ(notified, 1);  // only when the queue was empty
  auto t = s->take();
  ASSERT_EQ(t.events.size(), 3u);
  EXPECT_EQ(t.events[0]->message, "7");
  EXPECT_EQ(t.events[2]->message, "9");
  EXPECT_EQ(t.dropped, 7u);
  EXPECT_EQ(t.dropped_total, 7u);
  bus.emit(call(1, "10"));
  EXPECT_EQ(notified, 2);
  t = s->take();
  EXPECT_EQ(t.dropped, 0u);
  EXPECT_EQ(t.dropped_total, 7u);
  EXPECT_FALSE(s->wait(std::chrono::milliseconds(1)));
}

TEST(EventBus, CallOwnersOnlyWhileTracesAreWanted) {
  Bus bus;
  bus.note_call("abc", 1, "acme");
  EXPECT_EQ(bus.owner_of_call("abc"), nullptr);
  auto s = bus.subscribe(filter("event full"), 0, 10);
  bus.note_call("abc", 1, "acme");
  ASSERT_NE(bus.owner_of_call("abc"), nullptr);
  EXPECT_EQ(bus.owner_of_call("abc")->name, "acme");
  for (std::size_t i = 0; i < Bus::kRememberedCalls; ++i) bus.note_call(std::to_string(i), 2, "b");
  EXPECT_EQ(bus.owner_of_call("abc"), nullptr);  // the oldest went first
}

TEST(EventFormat, ReadableLine) {
  Event e = call(1, "out call answered");
  e.time = 3723004;  // 01:02:03.004
  e.what = "answered";
  e.owner = "acme";
  EXPECT_EQ(format_line(e), "01:02:03.004 call answered [acme]: out call answered");
  EXPECT_NE(format_line(e, true).find("\x1b["), std::string::npos);
  Event s;
  s.type = Type::Sip;
  s.what = "in";
  s.remote = "udp:127.0.0.1:5070";
  s.local = "udp:127.0.0.1:5060";
  s.message = "OPTIONS sip:x SIP/2.0\r\nCall-ID: 1\r\n\r\n";
  EXPECT_EQ(format_line(s),
            "00:00:00.000 sip in udp:127.0.0.1:5070 -> udp:127.0.0.1:5060\n"
            "OPTIONS sip:x SIP/2.0\nCall-ID: 1");
}

}  // namespace
}  // namespace sip::event
