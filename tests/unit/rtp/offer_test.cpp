#include "sip/rtp/offer.hpp"

#include <gtest/gtest.h>

namespace sip::rtp {
namespace {

sdp::SessionDescription parsed(const std::string& text) {
  auto sd = sdp::parse(text);
  EXPECT_TRUE(sd) << text;
  return sd ? std::move(*sd) : sdp::SessionDescription{};
}

TEST(RtpOffer, FirstAudioStreamWithItsFormats) {
  const auto sd = parsed(
      "v=0\r\no=- 1 1 IN IP4 192.168.1.20\r\ns=-\r\nc=IN IP4 192.168.1.20\r\nt=0 0\r\n"
      "m=video 5002 RTP/AVP 96\r\n"
      "m=audio 0 RTP/AVP 0\r\n"
      "m=audio 4000 RTP/AVP 8 0 101 96\r\nc=IN IP4 10.0.0.5\r\n"
      "a=rtpmap:101 telephone-event/8000\r\na=rtpmap:96 opus/48000/2\r\n");
  auto o = audio_offer(sd);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->media_index, 2u);
  EXPECT_EQ(o->address, "10.0.0.5");
  EXPECT_EQ(o->port, 4000);
  ASSERT_EQ(o->formats.size(), 4u);
  EXPECT_EQ(o->formats[0].text(), "8 PCMA/8000");
  EXPECT_EQ(o->formats[1].text(), "0 PCMU/8000");
  EXPECT_EQ(o->formats[2].text(), "101 telephone-event/8000");
  EXPECT_EQ(o->formats[3].text(), "96 opus/48000");
  EXPECT_EQ(o->telephone_event, std::optional<std::uint8_t>(101));
  EXPECT_TRUE(o->has(0));
  EXPECT_FALSE(o->has(18));
}

TEST(RtpOffer, NoAudioNoOffer) {
  EXPECT_FALSE(
      audio_offer(parsed("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
                         "m=video 5002 RTP/AVP 96\r\n")));
  const auto unknown = audio_offer(
      parsed("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 97\r\n"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->address, "");
  EXPECT_EQ(unknown->formats[0].text(), "97");
  EXPECT_FALSE(unknown->telephone_event);
}

}  // namespace
}  // namespace sip::rtp
