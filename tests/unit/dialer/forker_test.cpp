// The Forker over a recording LegPort and ManualTimerService: stages, parallel
// legs, first 2xx wins, dt delays (and their early start), the ring timeout,
// the failure the script sees, 3xx handling and re-entrant reports.
#include "sip/dialer/forker.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace {

using sip::dialer::DialReport;
using sip::dialer::Forker;
using sip::dialer::LegEnd;
using sip::dialplan::DialOutcome;
using std::chrono::seconds;

struct Port final : sip::dialer::LegPort {
  std::vector<std::pair<std::size_t, std::int64_t>> placed;  // (leg, second placed)
  std::vector<std::pair<std::size_t, std::string>> cancelled;
  sip::ManualTimerService* timers = nullptr;
  std::function<void(std::size_t)> on_place;  // reports made while placing
  void place_leg(std::size_t i) override {
    placed.emplace_back(
        i, std::chrono::duration_cast<seconds>(timers->clock().now().time_since_epoch()).count());
    if (on_place) on_place(i);
  }
  void cancel_leg(std::size_t i, std::string_view why) override {
    cancelled.emplace_back(i, std::string(why));
  }
  bool was_placed(std::size_t i) const {
    for (const auto& p : placed)
      if (p.first == i) return true;
    return false;
  }
};

sip::routing::ResolvedLeg leg(std::size_t stage, std::string uri,
                              std::optional<std::uint32_t> delay = std::nullopt) {
  sip::routing::ResolvedLeg l;
  l.stage = stage;
  l.request_uri = std::move(uri);
  l.options.delay = delay;
  return l;
}

struct Fixture {
  sip::ManualTimerService timers;
  Port port;
  std::optional<DialReport> report;
  std::unique_ptr<Forker> forker;
  // `stages` documents the legs; the Forker reads stages from the legs.
  Fixture(std::vector<sip::routing::ResolvedLeg> legs, std::size_t /*stages*/, int ring = 60) {
    port.timers = &timers;
    forker = std::make_unique<Forker>(timers, port, std::move(legs), ring,
                                      [this](DialReport r) { report = std::move(r); });
  }
};

TEST(Forker, ParallelLegsFirstAnswerWinsAndTheOthersAreCancelled) {
  Fixture f({leg(0, "sip:a@x"), leg(0, "sip:b@x"), leg(0, "sip:c@x")}, 1);
  f.forker->start();
  ASSERT_EQ(f.port.placed.size(), 3u);
  f.forker->leg_ringing(1);
  f.forker->leg_failed(0, LegEnd{486, "", {}, {}});
  ASSERT_TRUE(f.forker->accepts_answer(1));
  EXPECT_TRUE(f.forker->leg_answered(1));
  ASSERT_TRUE(f.report);
  EXPECT_EQ(f.report->result.outcome, DialOutcome::Answered);
  EXPECT_EQ(f.report->winner, 1u);
  ASSERT_EQ(f.port.cancelled.size(), 1u);
  EXPECT_EQ(f.port.cancelled[0].first, 2u);
  EXPECT_EQ(f.port.cancelled[0].second, "answered elsewhere");
  // A second 2xx does not win; the ring timer is gone.
  EXPECT_FALSE(f.forker->leg_answered(2));
  EXPECT_EQ(f.timers.pending(), 0u);
}

TEST(Forker, TheScriptSeesTheMostRecentlyFailedLegAcrossStages) {
  Fixture f({leg(0, "sip:a@x"), leg(1, "sip:p@prov"), leg(2, "sip:q@prov")}, 3);
  f.forker->start();
  ASSERT_EQ(f.port.placed.size(), 1u);
  f.forker->leg_failed(0, LegEnd{486, "Busy Here", {}, {}});
  ASSERT_EQ(f.port.placed.size(), 2u);
  EXPECT_EQ(f.port.placed[1].first, 1u);
  f.forker->leg_failed(1, LegEnd{404, "", {}, {}});
  f.forker->leg_failed(2, LegEnd{503, "Service Unavailable", {}, {}});
  ASSERT_TRUE(f.report);
  EXPECT_EQ(f.report->result.outcome, DialOutcome::Failed);
  // Not the RFC 3261 16.7 "best" (404): the last one, unsanitised.
  EXPECT_EQ(f.report->result.failure_status, 503);
  EXPECT_EQ(f.report->result.failure_reason, "Service Unavailable");
  ASSERT_EQ(f.report->result.legs.size(), 3u);
  EXPECT_EQ(f.report->result.legs[1].reason, "Not Found");  // default phrase
}

TEST(Forker, DelayedLegStartsAtOnceWhenTheRestOfItsStageFailed) {
  Fixture f({leg(0, "sip:a@x"), leg(0, "sip:b@x", 10), leg(0, "sip:c@x", 20)}, 1);
  f.forker->start();
  ASSERT_EQ(f.port.placed.size(), 1u);
  f.timers.advance(seconds(2));
  f.forker->leg_failed(0, LegEnd{486, "", {}, {}});
  // b (the smallest delay) starts now, at t=2; c keeps its delay.
  ASSERT_EQ(f.port.placed.size(), 2u);
  EXPECT_EQ(f.port.placed[1], std::make_pair(std::size_t{1}, std::int64_t{2}));
  f.timers.advance(seconds(17));
  EXPECT_EQ(f.port.placed.size(), 2u);
  f.timers.advance(seconds(1));
  ASSERT_EQ(f.port.placed.size(), 3u);
  EXPECT_EQ(f.port.placed[2], std::make_pair(std::size_t{2}, std::int64_t{20}));
  EXPECT_FALSE(f.report);
}

TEST(Forker, DelayedLegWaitsWhileAnotherLegRings) {
  Fixture f({leg(0, "sip:a@x"), leg(0, "sip:b@x", 5)}, 1);
  f.forker->start();
  f.forker->leg_ringing(0);
  f.timers.advance(seconds(4));
  EXPECT_EQ(f.port.placed.size(), 1u);
  f.timers.advance(seconds(1));
  ASSERT_EQ(f.port.placed.size(), 2u);
  EXPECT_EQ(f.port.placed[1].second, 5);
}

TEST(Forker, AStageOfDelayedLegsStartsItsSoonestLegAtOnce) {
  Fixture f({leg(0, "sip:a@x", 30), leg(0, "sip:b@x", 10)}, 1);
  f.forker->start();
  ASSERT_EQ(f.port.placed.size(), 1u);
  EXPECT_EQ(f.port.placed[0], std::make_pair(std::size_t{1}, std::int64_t{0}));
}

TEST(Forker, RingTimeoutCancelsRingingLegsAndRecordsNoFailureOfItsOwn) {
  Fixture f({leg(0, "sip:a@x"), leg(0, "sip:b@x")}, 1, 20);
  f.forker->start();
  f.forker->leg_ringing(0);
  f.forker->leg_ringing(1);
  f.timers.advance(seconds(19));
  EXPECT_FALSE(f.report);
  f.timers.advance(seconds(1));
  ASSERT_TRUE(f.report);
  EXPECT_EQ(f.report->result.outcome, DialOutcome::TimedOut);
  EXPECT_EQ(f.report->result.failure_status, 0);
  EXPECT_EQ(f.port.cancelled.size(), 2u);
  EXPECT_EQ(f.port.cancelled[0].second, "ring timeout");
}

TEST(Forker, RedirectWithAContactMakesTheDialReturnRedirect) {
  Fixture f({leg(0, "sip:a@x"), leg(0, "sip:b@x")}, 1);
  f.forker->start();
  f.forker->leg_failed(0, LegEnd{302, "Moved Temporarily", "sip:300@elsewhere", "SIP/2.0 302"});
  f.forker->leg_failed(1, LegEnd{486, "Busy Here", {}, {}});
  ASSERT_TRUE(f.report);
  EXPECT_EQ(f.report->result.outcome, DialOutcome::Redirect);
  EXPECT_EQ(f.report->result.redirect_uri, "sip:300@elsewhere");
  EXPECT_EQ(f.report->result.redirect_response, "SIP/2.0 302");
  EXPECT_EQ(f.report->result.failure_status, 486);
  EXPECT_FALSE(f.report->redirect_execution);
}

TEST(Forker, RmNLegAsksForARedirectExecution) {
  auto l = leg(0, "sip:a@x");
  l.options.redirect = sip::dialstring::RedirectMode::NewExecution;
  Fixture f({l}, 1);
  f.forker->start();
  f.forker->leg_failed(0, LegEnd{302, "", "sip:300@elsewhere", "SIP/2.0 302"});
  ASSERT_TRUE(f.report);
  EXPECT_EQ(f.report->result.outcome, DialOutcome::Failed);
  EXPECT_TRUE(f.report->redirect_execution);
  EXPECT_EQ(f.report->redirect_execution_uri, "sip:300@elsewhere");
  EXPECT_TRUE(f.report->result.redirect_uri.empty());
}

TEST(Forker, ALegFailingWhileBeingPlacedMovesOnAfterThePlacing) {
  Fixture f({leg(0, "sip:a@x"), leg(0, "sip:b@x"), leg(1, "sip:c@x")}, 2);
  f.port.on_place = [&](std::size_t i) {
    if (i < 2) f.forker->leg_failed(i, LegEnd{416, "Unsupported URI Scheme", {}, {}});
  };
  f.forker->start();
  // Both legs of stage 0 were placed before stage 1 started.
  ASSERT_EQ(f.port.placed.size(), 3u);
  EXPECT_EQ(f.port.placed[2].first, 2u);
  EXPECT_FALSE(f.report);
}

TEST(Forker, TheDoneCallbackMayDestroyTheForker) {
  sip::ManualTimerService timers;
  Port port;
  port.timers = &timers;
  std::unique_ptr<Forker> forker;
  bool done = false;
  forker = std::make_unique<Forker>(timers, port,
                                    std::vector<sip::routing::ResolvedLeg>{leg(0, "sip:a@x")}, 30, [&](DialReport) {
                                      done = true;
                                      forker.reset();
                                    });
  forker->start();
  forker->leg_failed(0, LegEnd{486, "", {}, {}});
  EXPECT_TRUE(done);
  EXPECT_EQ(forker, nullptr);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(Forker, AbortCancelsLiveLegsWithoutAReport) {
  Fixture f({leg(0, "sip:a@x"), leg(0, "sip:b@x", 5)}, 1);
  f.forker->start();
  f.forker->abort("caller cancelled");
  EXPECT_FALSE(f.report);
  ASSERT_EQ(f.port.cancelled.size(), 1u);
  EXPECT_EQ(f.port.cancelled[0].second, "caller cancelled");
  EXPECT_EQ(f.timers.pending(), 0u);
  EXPECT_FALSE(f.forker->accepts_answer(0));
}

}  // namespace
