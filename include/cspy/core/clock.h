// Clock readings in nanoseconds: CLOCK_MONOTONIC for intervals and sample times (the
// clock perf_event is told to use), CLOCK_REALTIME for the wall-clock date of a recording.
#pragma once

#include <cstdint>

namespace cspy {

std::uint64_t monotonic_ns();
std::uint64_t realtime_ns();

}  // namespace cspy
