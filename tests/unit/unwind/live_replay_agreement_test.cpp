// Records raw samples of live programs with `cspy record --raw` — the julia test target
// (C++ with exception tables, whose personality pointers sit in writable data) and
// CPython running julia1.py (libpython's CFI) — then replays them
// through both backends without the process: the chains must be identical, sample by sample.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "../../support/child_process.h"
#include "../../support/test_files.h"
#include "cspy/sampling/raw_file.h"
#include "cspy/unwind/unwinder.h"

namespace cspy {
namespace {

using namespace std::chrono_literals;

const std::string kPython = "python3";  // from PATH: Debian's, or any other CPython

// Samples `pid` for a second into a raw file and loads it.
sampling::RawRecording record_raw(pid_t pid) {
  std::string dir = test::make_temp_dir();
  test::CommandResult r = test::run_command(
      {test::cspy_binary(), "record", "--pid", std::to_string(pid), "-d", "1", "--rate", "200",
       "-q", "--raw", dir + "/samples.raw", "-o", dir + "/out.folded"},
      60s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto rec = sampling::read_raw_file(dir + "/samples.raw");
  EXPECT_TRUE(rec) << rec.error().describe();
  return rec ? std::move(*rec) : sampling::RawRecording{};
}

struct Outcome {
  std::size_t agree = 0;
  std::size_t complete = 0;
  std::size_t frames = 0;
  std::vector<std::string> mismatches;  // the first few, both chains
};

std::string describe(const unwind::UnwoundStack& s) {
  std::ostringstream out;
  out << "  end " << static_cast<int>(s.end) << ":";
  for (const auto& f : s.frames) out << " " << std::hex << f.pc.value() << (f.exact ? "" : "~");
  return out.str();
}

Outcome replay_both(const sampling::RawRecording& rec) {
  Outcome o;
  const std::string maps = rec.own.maps;
  auto source = [maps]() -> Result<std::string> { return maps; };
  auto dw_modules = modules::ModuleMap::create(source);
  auto lu_modules = modules::ModuleMap::create(source);
  EXPECT_TRUE(dw_modules && lu_modules);
  if (!dw_modules || !lu_modules) return o;
  auto libdw = unwind::make_libdw_unwinder(**dw_modules, nullptr, rec.pid, unwind::UnwindOptions{});
  auto libunwind =
      unwind::make_libunwind_unwinder(**lu_modules, nullptr, rec.pid, unwind::UnwindOptions{});
  EXPECT_TRUE(libdw && libunwind);
  if (!libdw || !libunwind) return o;
  unwind::UnwoundStack a;
  unwind::UnwoundStack b;
  for (const auto& s : rec.samples) {
    (*libdw)->unwind(s.sample, a);
    (*libunwind)->unwind(s.sample, b);
    bool same = a.end == b.end && a.frames.size() == b.frames.size();
    for (std::size_t i = 0; same && i < a.frames.size(); ++i) {
      same = a.frames[i].pc == b.frames[i].pc && a.frames[i].exact == b.frames[i].exact;
    }
    o.agree += same;
    if (!same && o.mismatches.size() < 3)
      o.mismatches.push_back(describe(a) + "\n  vs libunwind\n" + describe(b));
    o.complete += b.end == unwind::StackEnd::kComplete;
    o.frames += b.frames.size();
  }
  return o;
}

TEST(UnwindLiveReplay, BothBackendsAgreeOnJulia) {
  test::ChildProcess julia({test::target_binary("julia"), "--seconds", "30"});
  std::this_thread::sleep_for(300ms);
  sampling::RawRecording rec = record_raw(julia.pid());
  EXPECT_FALSE(test::process_is_stopped(julia.pid()));
  julia.kill_and_reap();
  ASSERT_GE(rec.samples.size(), 20u);
  Outcome o = replay_both(rec);
  EXPECT_EQ(o.agree, rec.samples.size()) << testing::PrintToString(o.mismatches);
  // main -> calc_pure_python -> calculate_z_serial_purepython, from _start: all complete.
  EXPECT_GE(o.complete * 100, rec.samples.size() * 95);
  EXPECT_GE(o.frames, rec.samples.size() * 5);
}

TEST(UnwindLiveReplay, BothBackendsAgreeOnCPython) {
  CSPY_REQUIRE_TOOL(test::have_program(kPython), "python3 not found");
  // Unbuffered, so that its first line says the script runs: a python3 that is a launcher
  // (pyenv's shim is bash) may still be starting after a fixed delay, and startup's deep
  // import stacks go beyond the stack copy, which replay (no live process) cannot read.
  test::ChildProcess python(
      {kPython, "-u", std::string(CSPY_SOURCE_DIR) + "/test_targets/julia1.py", "2000", "300"});
  ASSERT_TRUE(python.wait_for_output("Length of x:", 30s)) << python.error_output();
  sampling::RawRecording rec = record_raw(python.pid());
  EXPECT_FALSE(test::process_is_stopped(python.pid()));
  python.kill_and_reap();
  ASSERT_GE(rec.samples.size(), 20u);
  Outcome o = replay_both(rec);
  EXPECT_EQ(o.agree, rec.samples.size()) << testing::PrintToString(o.mismatches);
  EXPECT_GE(o.complete * 100, rec.samples.size() * 90);
  // _start .. Py_BytesMain .. PyEval_EvalCode .. _PyEval_EvalFrameDefault: at least 10 frames.
  EXPECT_GE(o.frames, rec.samples.size() * 10);
}

}  // namespace
}  // namespace cspy
