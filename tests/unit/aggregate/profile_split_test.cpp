// Profile::hold_from and split_off, continuous recording's cut by sample time: samples
// before the cut handed over, those after held and counted in the next interval, lost
// counts kept with them, threads without samples dropped, frames still valid in both.
#include <gtest/gtest.h>

#include <vector>

#include "cspy/aggregate/profile.h"

namespace cspy::aggregate {
namespace {

std::vector<FrameId> stack(Profile& p, const char* leaf) {
  return {p.frames().intern(Frame{.function = "main"}), p.frames().intern(Frame{.function = leaf})};
}

TEST(ProfileSplit, SamplesGoToTheIntervalOfTheirTime) {
  Profile p;
  p.set_thread_name(7, "worker");
  p.hold_from(100);
  const auto a = stack(p, "a");
  const auto b = stack(p, "b");
  p.add_sample(7, a, 10);
  p.add_sample(7, b, 150);  // past the cut: held
  p.add_sample(7, a, 99);   // read late, still before the cut
  p.add_sample(7, b, 250);  // two intervals on
  EXPECT_EQ(p.counters().samples, 2u);
  EXPECT_EQ(p.held_samples(), 2u);

  Profile first = p.split_off(200);
  EXPECT_EQ(first.counters().samples, 2u);
  EXPECT_EQ(first.threads().at(7).name, "worker");
  EXPECT_EQ(first.combined_tree(false).total_samples(), 2u);
  EXPECT_EQ(first.frames().get(a[1]).function, "a");
  EXPECT_EQ(p.counters().samples, 1u) << "the held sample at 150";
  EXPECT_EQ(p.held_samples(), 1u) << "the one at 250 waits for the next cut";

  Profile second = p.split_off(UINT64_MAX);
  EXPECT_EQ(second.counters().samples, 1u);
  EXPECT_EQ(second.frames().get(b[1]).function, "b");
  EXPECT_EQ(p.counters().samples, 1u);
  EXPECT_EQ(p.held_samples(), 0u);
  Profile third = p.split_off(UINT64_MAX);
  EXPECT_EQ(third.counters().samples, 1u);
  EXPECT_EQ(first.counters().samples + second.counters().samples + third.counters().samples, 4u);
}

TEST(ProfileSplit, ThreadsWithoutSamplesAreDropped) {
  Profile p;
  p.hold_from(100);
  const auto a = stack(p, "a");
  p.add_sample(1, a, 10);
  p.add_sample(2, a, 10);
  Profile first = p.split_off(200);
  EXPECT_EQ(first.threads().size(), 2u);
  p.add_sample(1, a, 150);
  Profile second = p.split_off(300);
  EXPECT_EQ(second.threads().size(), 1u);
  EXPECT_EQ(p.threads().size(), 1u) << "thread 1 until an interval without it";
  Profile third = p.split_off(400);
  EXPECT_TRUE(third.threads().empty());
  EXPECT_TRUE(p.threads().empty());
}

TEST(ProfileSplit, LostCountsGoWithTheirInterval) {
  Profile p;
  p.hold_from(100);
  p.add_lost(3, 5);  // placed at the start (no timeline): this interval
  Profile first = p.split_off(200);
  EXPECT_EQ(first.counters().lost, 5u);
  EXPECT_EQ(first.counters().samples, 5u);
  EXPECT_EQ(p.counters().lost, 0u);
}

}  // namespace
}  // namespace cspy::aggregate
