// Faults and hostile input at cspy's edges (issue 14): an output that cannot be written is
// one line and exit code 6 before any sampling (missing or read-only directory, dangling
// link), or at the end with nothing partial left (closed pipe, full disk); `report` never
// waits on a FIFO and takes a recording without samples; a target someone else traces,
// whose PID is reused, or with more threads than `ulimit -n` allows, gets a clear line.
#include <gtest/gtest.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <thread>

#include "reliability_support.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int count_lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

ChildProcess spinning_chain() {
  ChildProcess chain({target_binary("chain"), "--mode", "spin"});
  EXPECT_TRUE(chain.wait_for_output("ready", 10s));
  return chain;
}

// A recording of 30 s whose -o cannot be written: refused at once, with one line.
void expect_refused_before_sampling(const std::string& out, const std::string& names) {
  ChildProcess chain = spinning_chain();
  const auto start = Clock::now();
  CommandResult r = run_command(
      {cspy_binary(), "record", "--pid", std::to_string(chain.pid()), "-d", "30", "-o", out}, 40s);
  EXPECT_LT(Clock::now() - start, 5s) << "refused only after recording";
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(names), std::string::npos) << r.err;
  EXPECT_TRUE(chain.running());
}

TEST(OutputFaults, MissingDirectoryIsRefusedBeforeSampling) {
  expect_refused_before_sampling("/nonexistent-dir/out.svg", "/nonexistent-dir/out.svg");
}

TEST(OutputFaults, ReadOnlyDirectoryIsRefusedBeforeSampling) {
  TmpfsMount ro("64k", "ro");
  ASSERT_TRUE(ro.mounted()) << "mount -t tmpfs -o ro needs root";
  expect_refused_before_sampling(ro.dir() + "/out.svg", "Read-only file system");
}

TEST(OutputFaults, RawFileInReadOnlyDirectoryIsRefusedBeforeSampling) {
  TmpfsMount ro("64k", "ro");
  ASSERT_TRUE(ro.mounted());
  ChildProcess chain = spinning_chain();
  const std::string out = make_temp_dir() + "/out.folded";
  CommandResult r = run_command({cspy_binary(), "record", "--pid", std::to_string(chain.pid()),
                                 "-d", "30", "-o", out, "--raw", ro.dir() + "/run.raw"},
                                40s);
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.err.find("run.raw"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// Decided: a dangling link is refused (it may be a typo), neither replaced nor followed.
TEST(OutputFaults, DanglingSymlinkIsRefusedAndKept) {
  const std::string dir = make_temp_dir();
  std::filesystem::create_symlink(dir + "/missing/out.svg", dir + "/link.svg");
  expect_refused_before_sampling(dir + "/link.svg", "symbolic link");
  EXPECT_TRUE(std::filesystem::is_symlink(dir + "/link.svg"));
  EXPECT_EQ(files_in(dir), 1u);
}

TEST(OutputFaults, StdoutClosedEarlyIsOneLineAndExit6) {
  ChildProcess chain = spinning_chain();
  // `true` exits at once: cspy's write, 1 s later, meets a pipe without a reader.
  const std::string script = "'" + cspy_binary() + "' record --pid " + std::to_string(chain.pid()) +
                             " -d 1 -f folded -o - | true; echo status=${PIPESTATUS[0]}";
  CommandResult r = run_command({"bash", "-c", script}, 30s);
  EXPECT_NE(r.out.find("status=6"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("closed the pipe"), std::string::npos) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
}

TEST(OutputFaults, FullDiskLeavesNoTruncatedRawFile) {
  TmpfsMount small("64k");
  ASSERT_TRUE(small.mounted()) << "mount -t tmpfs needs root";
  ChildProcess chain = spinning_chain();
  const std::string out = make_temp_dir() + "/out.folded";
  // 16 KiB of stack per sample at 1 kHz fills 64 KiB at once.
  CommandResult r =
      run_command({cspy_binary(), "record", "--pid", std::to_string(chain.pid()), "-d", "1", "-r",
                   "1000", "-q", "-o", out, "--raw", small.dir() + "/run.raw"},
                  30s);
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.err.find(small.dir() + "/run.raw"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(files_in(small.dir()), 0u) << "a truncated or temporary file was left";
  EXPECT_EQ(output_problem(out), "") << "the profile itself is still written";
}

TEST(InputFaults, ReportRefusesAFifoAtOnce) {
  const std::string dir = make_temp_dir();
  const std::string fifo = dir + "/in.raw";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  CommandResult r = run_command({cspy_binary(), "report", fifo, "-o", dir + "/out.folded"}, 10s);
  EXPECT_FALSE(r.timed_out) << "blocked on the FIFO";
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
  CommandResult diff = run_command({cspy_binary(), "diff", fifo, fifo, "-o", dir + "/d.svg"}, 10s);
  EXPECT_FALSE(diff.timed_out) << "blocked on the FIFO";
  EXPECT_EQ(diff.exit_code, 6) << diff.err;
}

TEST(InputFaults, HeaderOnlyRawFileGivesAnEmptyProfile) {
  const std::string dir = make_temp_dir();
  std::string header = "CSPYRAW1";
  const std::uint32_t pid = 1234;
  header.append(reinterpret_cast<const char*>(&pid), sizeof pid);
  ASSERT_TRUE(write_file(dir + "/empty.raw", header));
  CommandResult r =
      run_command({cspy_binary(), "report", dir + "/empty.raw", "-o", dir + "/out.folded"}, 30s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("no samples"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(dir + "/out.folded"), "");
  CommandResult svg =
      run_command({cspy_binary(), "report", dir + "/empty.raw", "-o", dir + "/out.svg"}, 30s);
  EXPECT_EQ(svg.exit_code, 0) << svg.err;
  EXPECT_EQ(output_problem(dir + "/out.svg"), "");
}

TEST(TargetFaults, AlreadyTracedTargetNamesItsTracer) {
  ChildProcess chain = spinning_chain();
  // This test process becomes the tracer; the destructor's SIGKILL needs no detach.
  ASSERT_EQ(::ptrace(PTRACE_SEIZE, chain.pid(), nullptr, nullptr), 0);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"dump", "--pid", std::to_string(chain.pid())},
        std::vector<std::string>{"record", "--pid", std::to_string(chain.pid()), "--sampler",
                                 "ptrace", "-d", "1", "-o", make_temp_dir() + "/o.folded"}}) {
    std::vector<std::string> argv{cspy_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = run_command(argv, 30s);
    EXPECT_EQ(r.exit_code, 4) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("already traced by PID " + std::to_string(::getpid())), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("seccomp"), std::string::npos) << r.err;
  }
}

// In a PID namespace of its own, the target is killed and its PID given to a new process
// (ns_last_pid) while cspy is stopped: cspy must see that its target exited.
TEST(TargetFaults, ReusedPidIsTheTargetExiting) {
  const std::string dir = make_temp_dir();
  const std::string script =
      "set -u; '" + target_binary("chain") + "' --mode spin >/dev/null & T=$!; sleep 0.3; '" +
      cspy_binary() + "' record --pid $T -d 12 -o " + dir + "/out.folded 2>" + dir +
      "/err & C=$!; sleep 1; kill -STOP $C; kill -KILL $T; wait $T; "
      "echo $((T - 1)) > /proc/sys/kernel/ns_last_pid; sleep 30 & N=$!; "
      "[ $N = $T ] && echo reused; S=$(date +%s%N); kill -CONT $C; wait $C; echo cspy=$?; "
      "echo ms=$(( ($(date +%s%N) - S) / 1000000 )); kill $N";
  CommandResult r = run_command(
      {"unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "bash", "-c", script}, 40s);
  ASSERT_NE(r.out.find("reused"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("cspy=0"), std::string::npos) << r.out;
  const std::size_t ms = r.out.find("ms=");
  ASSERT_NE(ms, std::string::npos) << r.out;
  EXPECT_LT(std::stoi(r.out.substr(ms + 3)), 3000) << "cspy went on recording the new process";
  EXPECT_NE(read_file(dir + "/err").find("the target exited"), std::string::npos)
      << read_file(dir + "/err");
}

TEST(TargetFaults, TooFewFileDescriptorsNameUlimit) {
  ChildProcess chain({target_binary("chain"), "--threads", "150", "--mode", "sleep"});
  ASSERT_TRUE(chain.wait_for_output("ready", 20s));
  CommandResult r =
      run_command({"prlimit", "--nofile=100:100", cspy_binary(), "record", "--pid",
                   std::to_string(chain.pid()), "-d", "1", "-o", make_temp_dir() + "/o.folded"},
                  30s);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("ulimit -n"), std::string::npos) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_TRUE(chain.running());
}

}  // namespace
}  // namespace cspy::test
