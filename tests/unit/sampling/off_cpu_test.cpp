// Tests for off-CPU sampling's pure parts: pairing switch-outs with switch-ins (weights,
// preemptions, threads still blocked at a flush) and system call names.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "cspy/sampling/raw_sample.h"
#include "cspy/sampling/syscalls.h"
#include "off_cpu_pairing.h"

namespace cspy::sampling {
namespace {

struct Taken {
  RawSample sample;
};

Taken out_at(pid_t tid, std::uint64_t time_ns) {
  Taken t;
  t.sample.tid = tid;
  t.sample.time_ns = time_ns;
  t.sample.idle = true;
  return t;
}

TEST(OffCpuPairing, WeighsTheTimeUntilTheSwitchIn) {
  OffCpuPairing<Taken> pairing;
  std::vector<Taken> emitted;
  auto emit = [&](Taken&& t) { emitted.push_back(t); };
  pairing.switched_out(out_at(1, 1000));
  pairing.switch_out_record(1, false);
  pairing.switched_in(2, 1500, emit);  // another thread: nothing
  EXPECT_TRUE(emitted.empty());
  pairing.switched_in(1, 4000, emit);
  ASSERT_EQ(emitted.size(), 1u);
  EXPECT_EQ(emitted[0].sample.off_cpu_ns, 3000u);
  EXPECT_EQ(emitted[0].sample.time_ns, 1000u);
  pairing.switched_in(1, 5000, emit);  // no switch-out pending
  EXPECT_EQ(emitted.size(), 1u);
}

TEST(OffCpuPairing, PreemptionsAreNotBlocked) {
  OffCpuPairing<Taken> pairing;
  std::vector<Taken> emitted;
  pairing.switched_out(out_at(1, 1000));
  pairing.switch_out_record(1, true);
  pairing.switched_in(1, 2000, [&](Taken&& t) { emitted.push_back(t); });
  EXPECT_TRUE(emitted.empty());
  EXPECT_EQ(pairing.pending(), 0u);
}

TEST(OffCpuPairing, FlushSplitsALongBlockWithoutCountingTwice) {
  OffCpuPairing<Taken> pairing;
  std::vector<Taken> emitted;
  auto emit = [&](Taken&& t) { emitted.push_back(t); };
  pairing.blocked_since(out_at(3, 0), 100);
  pairing.flush(600, emit);
  pairing.switched_in(3, 1000, emit);
  ASSERT_EQ(emitted.size(), 2u);
  EXPECT_EQ(emitted[0].sample.off_cpu_ns, 500u);
  EXPECT_EQ(emitted[1].sample.off_cpu_ns, 400u);
  pairing.switched_out(out_at(3, 2000));
  pairing.forget(3);  // exited
  EXPECT_EQ(pairing.pending(), 0u);
}

TEST(Syscalls, NamesAndNumbers) {
  EXPECT_EQ(syscall_name(0), "read");
  EXPECT_EQ(syscall_name(202), "futex");
  EXPECT_EQ(syscall_name(230), "clock_nanosleep");
  EXPECT_EQ(syscall_name(-1), "");
  EXPECT_EQ(syscall_number("epoll_wait"), 232);
  EXPECT_EQ(syscall_number("no_such_call"), -1);
}

TEST(Syscalls, NothingKnownInAnEmptyTable) {
  const KernelSyscalls none;
  const std::vector<std::uint64_t> ips{0xffffffff81000000ULL};
  EXPECT_EQ(none.syscall_in(ips), -1);
}

}  // namespace
}  // namespace cspy::sampling
