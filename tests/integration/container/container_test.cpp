// Containers: a target in a mount and PID namespace of its own, whose root is a private
// tmpfs (tests/support/container.sh), profiled from the host by its host PID. Its files
// are the container's, never the host's file at the same path: a dynamic and a static
// julia, one at a path where the host has another program (chain), one replaced inside
// the container while it runs; record, dump and report; compared with perf on the PID.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

const std::string kHot = "calculate_z_serial_purepython";
const std::string kChain = "main;calc_pure_python;" + kHot;

std::string container_script() {
  return std::string(CSPY_SOURCE_DIR) + "/tests/support/container.sh";
}

// A program running in a container of its own; killed with it (unshare --kill-child).
struct Container {
  ChildProcess process;
  pid_t pid = 0;  // the program's host PID; 0 if it did not start
};

// Runs `argv` in a container holding `files` (SRC[:DEST] as container.sh takes them).
Container start_container(const std::vector<std::string>& files,
                          const std::vector<std::string>& argv) {
  const std::string pidfile = make_temp_dir() + "/pid";
  std::vector<std::string> command{container_script(), "--pidfile", pidfile};
  command.insert(command.end(), files.begin(), files.end());
  command.emplace_back("--");
  command.insert(command.end(), argv.begin(), argv.end());
  Container c{ChildProcess(command, Stderr::kMerge), 0};
  for (int i = 0; i < 2000 && c.pid == 0 && c.process.running(); ++i) {
    const std::string text = read_file(pidfile);
    if (!text.empty() && text.back() == '\n') c.pid = std::stoi(text);
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(1s);  // julia's first set-up, then its hot loop
  return c;
}

struct PerfTop {
  std::string function;
  double percent = 0;
  std::uint64_t samples = 0;
};

// perf's own answer for the same PID at the same time, counted as cspy counts: each
// sample goes to the function of its innermost user-space frame (a sample in the kernel
// to the user code that entered it), inlined frames folded into their function.
PerfTop perf_top(const std::string& data) {
  CommandResult r = run_command({"perf", "script", "-i", data, "--no-inline"}, 120s);
  std::istringstream lines(r.out);
  std::string line;
  std::map<std::string, std::uint64_t> by_function;
  std::uint64_t samples = 0;
  bool leaf_found = true;
  const std::regex frame(R"(^\s+[0-9a-f]+ (.*?)(\+0x[0-9a-f]+)? \((.*)\)$)");
  std::smatch m;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line[0] != '\t' && line[0] != ' ') {  // a sample's header
      ++samples;
      leaf_found = false;
      continue;
    }
    if (leaf_found || !std::regex_match(line, m, frame) || m[3] == "[kernel.kallsyms]") continue;
    ++by_function[m[1].str()];
    leaf_found = true;
  }
  PerfTop top{"(none) " + r.err, 0};
  std::uint64_t best = 0;
  for (const auto& [function, count] : by_function) {
    if (count > best) {
      best = count;
      top.function = function;
    }
  }
  if (samples > 0) top.percent = 100.0 * static_cast<double>(best) / static_cast<double>(samples);
  top.samples = samples;
  return top;
}

// Records the container's program with cspy and perf side by side; checks cspy's hot
// chain and that both name the same top function within 3 pp.
void check_like_perf(const Container& c) {
  ASSERT_GT(c.pid, 0);
  const std::string dir = make_temp_dir();
  const std::string pid = std::to_string(c.pid);
  ChildProcess perf({"perf", "record", "-q", "-F", "400", "--call-graph", "dwarf", "-p", pid, "-o",
                     dir + "/perf.data", "--", "sleep", "3"},
                    Stderr::kMerge);
  CommandResult r = run_command({cspy_binary(), "record", "--pid", pid, "-d", "2", "--rate", "400",
                                 "-o", dir + "/out.folded"},
                                60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(perf.wait(60s).has_value());
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  const auto stacks = parse_folded(read_file(dir + "/out.folded"));
  const std::uint64_t all = total_samples(stacks);
  ASSERT_GE(all, 100u) << r.err;
  EXPECT_GE(count_matching(stacks, kChain) * 100, all * 90) << r.err;
  // Never a name from the host's files: chain's functions stand at julia's path here.
  for (const char* host_only : {"leaf", "middle", "outer", "thread_main"}) {
    EXPECT_EQ(count_matching(stacks, std::string(";") + host_only), 0u) << host_only;
  }
  const PerfTop top = perf_top(dir + "/perf.data");
  EXPECT_EQ(top.function, kHot);
  // cspy's share of the function with what is inlined into it (std::complex).
  const double share =
      100.0 * static_cast<double>(count_matching(stacks, ";" + kHot)) / static_cast<double>(all);
  // Within 3 pp, or three standard errors of the difference of two sampled shares when a
  // loaded machine gave the target too little CPU for 3 pp to be told from noise.
  ASSERT_GT(top.samples, 0u);
  const double p = share / 100.0;
  const double noise =
      300.0 * std::sqrt(p * (1 - p) *
                        (1.0 / static_cast<double>(all) + 1.0 / static_cast<double>(top.samples)));
  EXPECT_NEAR(share, top.percent, std::max(3.0, noise))
      << all << " cspy samples, " << top.samples << " perf samples";
}

TEST(Container, DynamicTargetAtAPathWhereTheHostHasAnotherProgram) {
  // julia where the host has chain: opening the host's file would name chain's functions.
  const std::string host_path = target_binary("chain");
  Container c =
      start_container({target_binary("julia") + ":" + host_path}, {host_path, "--seconds", "30"});
  check_like_perf(c);
}

TEST(Container, StaticTarget) {
  Container c =
      start_container({target_binary("julia-static") + ":/julia"}, {"/julia", "--seconds", "30"});
  check_like_perf(c);
}

TEST(Container, DumpNamesTheContainersFrames) {
  Container c = start_container({target_binary("julia-static") + ":/usr/bin/xz"},
                                {"/usr/bin/xz", "--seconds", "30"});
  ASSERT_GT(c.pid, 0);
  CommandResult r = run_command({cspy_binary(), "dump", "--pid", std::to_string(c.pid)}, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("calc_pure_python"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("main ("), std::string::npos) << r.out;
  // Its host TID, and the one it has in the container (PID 1 there: the first process).
  EXPECT_NE(r.out.find("Thread " + std::to_string(c.pid) + " (xz, TID 1 in its PID namespace)"),
            std::string::npos)
      << r.out;
}

// The program's file replaced inside the container after it started (an upgrade): the
// file at its path is another program's. cspy says so once and names frames from the
// very file mapped (map_files) or, without the privilege to open it, from the image in
// memory (which names no julia function, but never one of the replacement's).
TEST(Container, AFileReplacedSinceItWasMappedIsNeverUsed) {
  Container c = start_container({target_binary("julia") + ":/usr/bin/julia"},
                                {"/usr/bin/julia", "--seconds", "30"});
  ASSERT_GT(c.pid, 0);
  const std::string pid = std::to_string(c.pid);
  const std::string inside = "/proc/" + pid + "/root/usr/bin/julia";
  ASSERT_EQ(run_command({"cp", "--remove-destination", target_binary("chain"), inside}).exit_code,
            0);
  const std::string dir = make_temp_dir();

  CommandResult r = run_command(
      {cspy_binary(), "record", "--pid", pid, "-d", "2", "-r", "400", "-o", dir + "/mapped.folded"},
      60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: /usr/bin/julia: the file at that path is not the one the "
                       "process has mapped"),
            std::string::npos)
      << r.err;
  auto stacks = parse_folded(read_file(dir + "/mapped.folded"));
  ASSERT_GE(total_samples(stacks), 20u);
  EXPECT_GE(count_matching(stacks, kChain) * 100, total_samples(stacks) * 90) << r.err;

  // Without CAP_SYS_ADMIN (and CAP_CHECKPOINT_RESTORE), map_files cannot be opened.
  r = run_command(
      {"capsh", "--drop=cap_sys_admin,cap_checkpoint_restore", "--", "-c",
       cspy_binary() + " record --pid " + pid + " -d 2 -r 400 -o " + dir + "/memory.folded"},
      60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("named from its image in memory"), std::string::npos) << r.err;
  stacks = parse_folded(read_file(dir + "/memory.folded"));
  ASSERT_GE(total_samples(stacks), 20u);
  for (const char* replacement : {"leaf", "middle", "outer", "thread_main"}) {
    EXPECT_EQ(count_matching(stacks, std::string(";") + replacement), 0u) << replacement;
  }
  // Unwound through the image's own CFI, into libc's named frames.
  EXPECT_GE(count_matching(stacks, "__libc_start_main") * 100, total_samples(stacks) * 90);
  EXPECT_GE(count_matching(stacks, "julia+0x") * 100, total_samples(stacks) * 90);
}

// A recording replayed where the file at the recorded path is another program: not used.
TEST(Container, ReportRefusesAFileWhoseBuildIdIsNotTheRecordedOne) {
  const std::string host_path = target_binary("chain");
  Container c =
      start_container({target_binary("julia") + ":" + host_path}, {host_path, "--seconds", "30"});
  ASSERT_GT(c.pid, 0);
  const std::string dir = make_temp_dir();
  CommandResult r = run_command({cspy_binary(), "record", "--pid", std::to_string(c.pid), "-d", "1",
                                 "-o", dir + "/live.folded", "--raw", dir + "/run.raw"},
                                60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_command({cspy_binary(), "report", dir + "/run.raw", "-o", dir + "/replay.folded"}, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("is not the file that was recorded"), std::string::npos) << r.err;
  const auto stacks = parse_folded(read_file(dir + "/replay.folded"));
  ASSERT_GE(total_samples(stacks), 20u);
  for (const char* host_only : {"leaf", "middle", "outer", "thread_main"}) {
    EXPECT_EQ(count_matching(stacks, std::string(";") + host_only), 0u) << host_only;
  }
  // With the right file named, the names come back.
  r = run_command({cspy_binary(), "report", dir + "/run.raw", "-o", dir + "/mapped.folded",
                   "--map-path", host_path + "=" + target_binary("julia")},
                  60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  const auto named = parse_folded(read_file(dir + "/mapped.folded"));
  EXPECT_GE(count_matching(named, kChain) * 100, total_samples(named) * 90);
}

// A CPython in a container knows its threads by the container's TIDs (1 for the main
// thread): its Python frames are still merged — Debian's static python3.11 (thread states
// matched by native_thread_id) and pyenv's 3.10 with its shared libpython (matched through
// glibc's struct pthread). Started with -S -I and only the modules start-up imports.
class ContainerPython : public ::testing::TestWithParam<std::string> {};

TEST_P(ContainerPython, FramesAreMerged) {
  const std::string python = GetParam();
  ASSERT_TRUE(std::filesystem::exists(python)) << python << ": bash scripts/install-deps.sh";
  const std::string script = make_temp_dir() + "/busy.py";
  ASSERT_TRUE(write_file(script,
                         "def work(n):\n"
                         "    s = 0\n"
                         "    for i in range(n):\n"
                         "        s += i * i % 7\n"
                         "    return s\n"
                         "def main():\n"
                         "    while True:\n"
                         "        work(100000)\n"
                         "main()\n"));
  CommandResult where = run_command(
      {python, "-S", "-c", "import encodings, os; print(os.path.dirname(encodings.__path__[0]))"});
  ASSERT_EQ(where.exit_code, 0) << where.err;
  const std::string lib = where.out.substr(0, where.out.find('\n'));
  Container c = start_container({python, script + ":/app/busy.py", lib + "/encodings",
                                 lib + "/codecs.py", lib + "/io.py", lib + "/abc.py"},
                                {python, "-S", "-I", "/app/busy.py"});
  ASSERT_GT(c.pid, 0) << c.process.take_output();
  const std::string pid = std::to_string(c.pid);

  CommandResult dump = run_command({cspy_binary(), "dump", "--pid", pid}, 60s);
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("main (/app/busy.py:8) [python]"), std::string::npos) << dump.out;

  const std::string out = make_temp_dir() + "/py.folded";
  CommandResult r = run_command({cspy_binary(), "record", "--pid", pid, "-d", "1", "-o", out}, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto stacks = parse_folded(read_file(out));
  ASSERT_GE(total_samples(stacks), 20u) << r.err;
  EXPECT_GE(count_matching(stacks, "<module>;main;work") * 100, total_samples(stacks) * 90)
      << r.err;
}

INSTANTIATE_TEST_SUITE_P(Interpreters, ContainerPython,
                         ::testing::Values("/usr/bin/python3.11",
                                           "/root/.pyenv/versions/3.10.13/bin/python3.10"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param.find("pyenv") == std::string::npos ? "debian_3_11"
                                                                                 : "pyenv_3_10";
                         });

}  // namespace
}  // namespace cspy::test
