#include "sip/parser/stream_framer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sip::parser {
namespace {

using Kind = FrameEvent::Kind;

std::string message(std::string_view call_id, std::string_view body) {
  std::string s = "MESSAGE sip:a@b SIP/2.0\r\nCall-ID: ";
  s += call_id;
  s += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  s += body;
  return s;
}

std::vector<FrameEvent> drain(StreamFramer& f) {
  std::vector<FrameEvent> out;
  for (;;) {
    FrameEvent e = f.next();
    if (e.kind == Kind::NeedMore) break;
    const bool stop = e.kind == Kind::Error;
    out.push_back(std::move(e));
    if (stop) break;
  }
  return out;
}

TEST(StreamFramer, BackToBackMessagesInOneRead) {
  StreamFramer f;
  f.feed(message("one", "hello") + message("two", "") + message("three", "x"));
  auto ev = drain(f);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].message.call_id(), "one");
  EXPECT_EQ(ev[0].message.body(), "hello");
  EXPECT_EQ(ev[1].message.call_id(), "two");
  EXPECT_EQ(ev[2].message.body(), "x");
  EXPECT_EQ(f.buffered(), 0u);
}

TEST(StreamFramer, ByteAtATime) {
  const std::string all = message("a", "0123456789") + message("b", "xyz");
  StreamFramer f;
  std::vector<std::string> ids;
  for (char c : all) {
    f.feed(std::string_view(&c, 1));
    for (auto& e : drain(f)) {
      ASSERT_EQ(e.kind, Kind::Message);
      ids.emplace_back(e.message.call_id());
    }
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
}

TEST(StreamFramer, KeepAlivePingAndPong) {
  StreamFramer f;
  f.feed("\r\n\r\n");
  auto ev = drain(f);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Kind::Ping);
  f.feed("\r\n");
  ev = drain(f);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Kind::Pong);
  f.feed("\r\n\r");  // could still become a ping
  EXPECT_TRUE(drain(f).empty());
  f.feed("\n" + message("after", ""));
  ev = drain(f);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, Kind::Ping);
  EXPECT_EQ(ev[1].message.call_id(), "after");
}

TEST(StreamFramer, CrlfCrThenOtherIsAPongNotAStall) {
  // Found by fuzz_stream: "\r\n\r" + anything but '\n' used to wait forever
  // while the buffer grew without bound.
  StreamFramer f;
  f.feed("\r\n\r" + message("x", ""));
  auto ev = drain(f);
  ASSERT_GE(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Kind::Pong);
  EXPECT_LT(f.buffered(), 100u);
}

TEST(StreamFramer, ContentLengthIsMandatory) {
  StreamFramer f;
  f.feed("OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n");
  auto ev = drain(f);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Kind::Error);
  EXPECT_EQ(ev[0].error.code, Errc::missing_content_length);
  EXPECT_TRUE(f.failed());
  f.feed(message("later", ""));
  EXPECT_EQ(f.next().kind, Kind::Error);  // stays failed: the stream is out of sync
}

TEST(StreamFramer, OversizeHeadAndBodyAreRejected) {
  Limits l;
  l.max_message_size = 200;
  l.max_body_size = 50;
  StreamFramer head(l);
  head.feed("OPTIONS sip:a@b SIP/2.0\r\nX: " + std::string(300, 'a'));
  EXPECT_EQ(head.next().error.code, Errc::message_too_large);
  StreamFramer body(l);
  body.feed("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 51\r\n\r\n");
  EXPECT_EQ(body.next().error.code, Errc::body_too_large);
}

TEST(StreamFramer, BadHeadIsAnErrorWithOffset) {
  StreamFramer f;
  f.feed("OPTIONS sip:a@b SIP/2.0\r\nbroken header\r\nContent-Length: 0\r\n\r\n");
  FrameEvent e = f.next();
  EXPECT_EQ(e.kind, Kind::Error);
  EXPECT_EQ(e.error.code, Errc::bad_header);
  EXPECT_EQ(e.error.offset, 32u);  // where the ':' should be
}

}  // namespace
}  // namespace sip::parser
