// `cspy record --unwinder libunwind`: the second unwinding backend gives the same folded
// stacks as the default libdw one on live targets (chain with threads, julia), and a bad
// --unwinder value is a usage error.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "../../support/child_process.h"
#include "../../support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

struct Shape {
  std::uint64_t all = 0;
  std::uint64_t unknown = 0;
  std::map<std::string, std::uint64_t> stacks;
};

Shape shape_of(const std::string& folded) {
  Shape shape;
  shape.stacks = parse_folded(folded);
  shape.all = total_samples(shape.stacks);
  shape.unknown = count_matching(shape.stacks, "[unknown]");
  return shape;
}

Shape record_with(pid_t pid, const std::string& unwinder) {
  std::string out = make_temp_dir() + "/out.folded";
  CommandResult r =
      run_command({cspy_binary(), "record", "--pid", std::to_string(pid), "-o", out, "--duration",
                   "1.5", "--rate", "200", "--threads", "--unwinder", unwinder},
                  60s);
  EXPECT_EQ(r.exit_code, 0) << unwinder << ": " << r.err;
  return shape_of(read_file(out));
}

// The stacks that hold at least 5% of the samples: the profile's shape.
std::set<std::string> major_stacks(const Shape& shape) {
  std::set<std::string> major;
  for (const auto& [s, c] : shape.stacks) {
    if (c * 20 >= shape.all) major.insert(s);
  }
  return major;
}

void expect_same_shape(pid_t pid, const std::string& chain) {
  Shape libdw = record_with(pid, "libdw");
  Shape libunwind = record_with(pid, "libunwind");
  ASSERT_GE(libdw.all, 100u);
  ASSERT_GE(libunwind.all, 100u);
  EXPECT_EQ(major_stacks(libdw), major_stacks(libunwind));
  for (const Shape* shape : {&libdw, &libunwind}) {
    const std::uint64_t in_chain = count_matching(shape->stacks, chain);
    EXPECT_GE(in_chain * 100, shape->all * 90) << (shape == &libdw ? "libdw" : "libunwind");
    EXPECT_LE(shape->unknown * 100, shape->all * 2) << (shape == &libdw ? "libdw" : "libunwind");
  }
}

TEST(RecordUnwinder, LibunwindGivesLibdwsStacksOnTheChain) {
  ChildProcess chain({target_binary("chain"), "--mode", "spin", "--threads", "2"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  expect_same_shape(chain.pid(), "outer;middle;leaf;inlined_work");
  EXPECT_FALSE(process_is_stopped(chain.pid()));
  EXPECT_TRUE(chain.running());
}

TEST(RecordUnwinder, LibunwindGivesLibdwsStacksOnJulia) {
  ChildProcess julia({target_binary("julia"), "--seconds", "30"});
  std::this_thread::sleep_for(300ms);
  expect_same_shape(julia.pid(), "main;calc_pure_python;calculate_z_serial_purepython");
  EXPECT_FALSE(process_is_stopped(julia.pid()));
  EXPECT_TRUE(julia.running());
}

// Samples inside the vDSO (no file on disk holds it) unwind through it to main, and the
// frame is named. Without the vDSO's CFI libunwind lost the caller.
void expect_vdso_frames(const Shape& shape, const std::string& unwinder) {
  ASSERT_GE(shape.all, 100u) << unwinder;
  std::uint64_t in_vdso = 0;
  for (const auto& [s, c] : shape.stacks) {
    if (s.find("__vdso_clock_gettime") == std::string::npos) continue;
    in_vdso += c;
    EXPECT_NE(s.find(";main;outer;middle;leaf;"), std::string::npos) << unwinder << ": " << s;
  }
  // Most of the loop is the vDSO call; a loaded machine still gives well over a tenth.
  EXPECT_GE(in_vdso * 10, shape.all) << unwinder;
  EXPECT_LE(shape.unknown * 100, shape.all * 2) << unwinder;
}

TEST(RecordUnwinder, BothBackendsUnwindThroughTheVdso) {
  ChildProcess chain({target_binary("chain"), "--mode", "clock"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  for (const std::string unwinder : {"libdw", "libunwind"})
    expect_vdso_frames(record_with(chain.pid(), unwinder), unwinder);
  EXPECT_FALSE(process_is_stopped(chain.pid()));
  EXPECT_TRUE(chain.running());
}

// A launched command's maps change at exec (the vDSO is reported again, at its new place).
TEST(RecordUnwinder, LaunchedCommandUnwindsThroughTheVdso) {
  for (const std::string unwinder : {"libdw", "libunwind"}) {
    std::string out = make_temp_dir() + "/out.folded";
    CommandResult r =
        run_command({cspy_binary(), "record", "-o", out, "--rate", "200", "--unwinder", unwinder,
                     "-q", "--", target_binary("chain"), "--mode", "clock", "--seconds", "1.5"},
                    60s);
    ASSERT_EQ(r.exit_code, 0) << unwinder << ": " << r.err;
    expect_vdso_frames(shape_of(read_file(out)), unwinder);
  }
}

TEST(RecordUnwinder, UnknownUnwinderIsAUsageError) {
  CommandResult r =
      run_command({cspy_binary(), "record", "--pid", "1", "--unwinder", "frame-pointers"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--unwinder must be libdw or libunwind"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cspy::test
