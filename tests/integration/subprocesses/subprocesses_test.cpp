// --subprocesses: every process the target starts is sampled and named by its own maps,
// under a root frame "name (PID)" — a shell that starts four julia workers (two at once,
// then two more), a shell attached by PID with workers already running, a raw recording
// replayed; a pool of short-lived forked Python workers, each named by its own Python
// frames although it exits before its samples are named. Without the option, a target
// that execs (a shell exec chain, as pyenv's shims do) is profiled as the program it became.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/python/python_support.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

// Folded stacks grouped by their first frame (the process root with --subprocesses).
std::map<std::string, std::map<std::string, std::uint64_t>> by_root(
    const std::map<std::string, std::uint64_t>& stacks) {
  std::map<std::string, std::map<std::string, std::uint64_t>> roots;
  for (const auto& [stack, count] : stacks) {
    const auto semi = stack.find(';');
    roots[stack.substr(0, semi)][semi == std::string::npos ? "" : stack.substr(semi + 1)] += count;
  }
  return roots;
}

std::uint64_t total(const std::map<std::string, std::uint64_t>& stacks) {
  std::uint64_t n = 0;
  for (const auto& [stack, count] : stacks) n += count;
  return n;
}

// The samples whose stack holds julia's chain from _start to its work, calc_pure_python
// (which builds its lists and calls calculate_z_serial_purepython).
std::uint64_t with_julia_chain(const std::map<std::string, std::uint64_t>& stacks) {
  std::uint64_t n = 0;
  for (const auto& [stack, count] : stacks) {
    if (stack.starts_with("_start;") && stack.find(";main;calc_pure_python") != std::string::npos) {
      n += count;
    }
  }
  return n;
}

const std::regex kJuliaRoot(R"(julia \(\d+\))");

// Each julia root has its samples, nearly all of them with the full chain and none
// unnamed; returns how many julia roots there were.
std::size_t check_julia_roots(
    const std::map<std::string, std::map<std::string, std::uint64_t>>& roots,
    const std::string& what) {
  std::size_t julias = 0;
  for (const auto& [root, stacks] : roots) {
    if (!std::regex_match(root, kJuliaRoot)) continue;
    ++julias;
    const std::uint64_t n = total(stacks);
    EXPECT_GE(n, 15u) << what << ": " << root;
    EXPECT_GE(with_julia_chain(stacks), n * 9 / 10)
        << what << ": " << root << " has " << n << " samples";
    std::uint64_t unknown = 0;
    for (const auto& [stack, count] : stacks) {
      if (stack.starts_with("[unknown]")) unknown += count;
    }
    EXPECT_LE(unknown, 2u) << what << ": " << root;
  }
  return julias;
}

std::string workers_script(const std::string& seconds) {
  const std::string j = target_binary("julia") + " --seconds " + seconds + " >/dev/null";
  return j + " & " + j + "; wait; " + j + " & " + j + "; wait";
}

TEST(Subprocesses, FourWorkersEachUnderItsOwnRoot) {
  const std::string dir = make_temp_dir();
  const std::string out = dir + "/out.folded", raw = dir + "/out.raw";
  CommandResult r = run_command({cspy_binary(), "record", "--subprocesses", "--rate", "200", "-o",
                                 out, "--raw", raw, "--", "/bin/sh", "-c", workers_script("1")},
                                120s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto live = parse_folded(read_file(out));
  const auto roots = by_root(live);
  EXPECT_EQ(check_julia_roots(roots, "live"), 4u) << read_file(out);
  for (const auto& [root, stacks] : roots) {
    EXPECT_TRUE(std::regex_match(root, kJuliaRoot) ||
                std::regex_match(root, std::regex(R"(sh \(\d+\))")))
        << "a root that is neither the shell nor a worker: " << root;
    // Nothing of julia is named under the shell.
    if (!std::regex_match(root, kJuliaRoot)) {
      EXPECT_EQ(with_julia_chain(stacks), 0u) << root;
    }
  }

  // The raw recording keeps each process's maps: report names the workers the same way,
  // and counts every process's samples the same. (A stack that failed to unwind live may
  // have read the running process beyond its stack copy: the shell's are not compared.)
  CommandResult replayed =
      run_command({cspy_binary(), "report", "-i", raw, "-o", dir + "/r.folded"});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  const auto replayed_roots = by_root(parse_folded(read_file(dir + "/r.folded")));
  ASSERT_EQ(replayed_roots.size(), roots.size());
  for (const auto& [root, stacks] : roots) {
    ASSERT_EQ(replayed_roots.count(root), 1u) << root;
    EXPECT_EQ(total(replayed_roots.at(root)), total(stacks)) << root;
    if (std::regex_match(root, kJuliaRoot)) {
      EXPECT_EQ(replayed_roots.at(root), stacks) << root;
    }
  }
}

TEST(Subprocesses, AttachedShellsWorkersAlreadyRunning) {
  const std::string j = target_binary("julia") + " --seconds 6 >/dev/null";
  ChildProcess shell({"/bin/sh", "-c", "echo ready; " + j + " & " + j + "; wait"});
  ASSERT_TRUE(shell.wait_for_output("ready", 10s));
  std::this_thread::sleep_for(300ms);  // the workers start
  const std::string out = make_temp_dir() + "/out.folded";
  CommandResult r =
      run_command({cspy_binary(), "record", "--subprocesses", "--pid", std::to_string(shell.pid()),
                   "-d", "2", "--rate", "200", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(check_julia_roots(by_root(parse_folded(read_file(out))), "attached"), 2u)
      << read_file(out);
}

TEST(Subprocesses, NeedsThePerfEventSampler) {
  CommandResult r = run_command({cspy_binary(), "record", "--subprocesses", "--sampler", "ptrace",
                                 "-o", make_temp_dir() + "/x.folded", "--", "true"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--subprocesses needs the perf_event sampler"), std::string::npos) << r.err;
}

// multiprocessing's fork pool, one task a worker (test_targets/py_pool.py): each worker
// runs pool_worker_task for 0.4 s and exits. Its code objects are read as its samples are
// taken, so its frames keep their names (not "[python: unreadable code]") after it exits,
// and a code object freed and replaced at the same address (imports) never lends its name
// to an earlier sample. The raw recording names them the same.
class PythonPool : public ::testing::TestWithParam<Python> {};

TEST_P(PythonPool, ShortLivedWorkersKeepTheirPythonNames) {
  const std::string dir = make_temp_dir();
  const std::string out = dir + "/out.folded", raw = dir + "/out.raw";
  CommandResult r =
      run_command({cspy_binary(), "record", "--subprocesses", "--rate", "200", "-o", out, "--raw",
                   raw, "--", GetParam().path, target_source("py_pool.py"), "6", "0.4"},
                  120s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto count = [](const std::map<std::string, std::uint64_t>& stacks, std::uint64_t& worker,
                  std::uint64_t& unreadable, std::set<std::string>& worker_roots) {
    for (const auto& [stack, n] : stacks) {
      if (stack.find(";pool_worker_task") != std::string::npos) {
        worker += n;
        worker_roots.insert(stack.substr(0, stack.find(';')));
      }
      if (stack.find("[python: unreadable code]") != std::string::npos) unreadable += n;
    }
  };
  const auto live = parse_folded(read_file(out));
  std::uint64_t worker = 0, unreadable = 0;
  std::set<std::string> worker_roots;
  count(live, worker, unreadable, worker_roots);
  const std::uint64_t n = total(live);
  // Six workers of 0.4 s of CPU each: most of the run's samples are theirs.
  EXPECT_GE(worker, n / 3) << read_file(out);
  EXPECT_GE(worker_roots.size(), 4u) << read_file(out);
  // A worker's sample may catch it exiting: a stray one, not its frames at large.
  EXPECT_LE(unreadable, 2 + n / 50) << read_file(out);
  for (const auto& [stack, c] : live) {
    // The pool's own modules, never a worker's function, inside an import.
    if (stack.find("_find_and_load") != std::string::npos) {
      EXPECT_EQ(stack.find("pool_worker_task"), std::string::npos) << stack;
    }
  }

  CommandResult replayed =
      run_command({cspy_binary(), "report", "-i", raw, "-o", dir + "/r.folded"});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  std::uint64_t replayed_worker = 0, replayed_unreadable = 0;
  std::set<std::string> replayed_roots;
  count(parse_folded(read_file(dir + "/r.folded")), replayed_worker, replayed_unreadable,
        replayed_roots);
  EXPECT_EQ(replayed_worker, worker);
  EXPECT_EQ(replayed_unreadable, unreadable);
  EXPECT_EQ(replayed_roots, worker_roots);
}

INSTANTIATE_TEST_SUITE_P(Interpreters, PythonPool, ::testing::ValuesIn(interpreters()),
                         python_name);

// A shell that execs a shell that execs julia, as pyenv's shims exec the interpreter: the
// samples after the exec are julia's, named by julia's maps, under no process root.
TEST(ExecChain, ProfiledAsTheFinalProgram) {
  const std::string out = make_temp_dir() + "/out.folded";
  const std::string inner = "sleep 0.2; exec " + target_binary("julia") + " --seconds 2";
  CommandResult r = run_command({cspy_binary(), "record", "--rate", "200", "-o", out, "--",
                                 "/bin/sh", "-c", "sleep 0.2; exec /bin/sh -c '" + inner + "'"},
                                60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto stacks = parse_folded(read_file(out));
  const std::uint64_t n = total(stacks);
  ASSERT_GE(n, 40u);
  EXPECT_GE(with_julia_chain(stacks), n * 9 / 10) << read_file(out);
  std::uint64_t unknown = 0;
  for (const auto& [stack, count] : stacks) {
    if (stack.starts_with("[unknown]")) unknown += count;
  }
  EXPECT_LE(unknown, 3u) << read_file(out);
}

// A raw recording of an exec chain keeps each maps version where it came into force: the
// report names the shell's samples (before the exec) by the shell's maps and julia's by
// julia's, exactly as the live recording did. (Named by the last maps, the shell's
// samples had no dash frame at all.)
TEST(ExecChain, ReportNamesEachSampleByTheMapsOfItsTime) {
  const std::string dir = make_temp_dir();
  // Attached by PID while dash loops (its maps read from the start), until julia exits.
  const std::string busy_then_exec =
      "echo ready; i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done; exec " +
      target_binary("julia") + " --seconds 1 >/dev/null";
  ChildProcess shell({"/bin/dash", "-c", busy_then_exec});
  ASSERT_TRUE(shell.wait_for_output("ready", 10s));
  CommandResult r =
      run_command({cspy_binary(), "record", "--pid", std::to_string(shell.pid()), "--rate", "400",
                   "--raw", dir + "/run.raw", "-o", dir + "/live.folded"},
                  60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  CommandResult report =
      run_command({cspy_binary(), "report", dir + "/run.raw", "-o", dir + "/replay.folded"}, 60s);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto live = parse_folded(read_file(dir + "/live.folded"));
  const auto replay = parse_folded(read_file(dir + "/replay.folded"));
  // The same samples, named alike (a stack the live unwinder finished by reading beyond
  // the stack copy may end differently in a replay: counts, not every stack).
  EXPECT_EQ(total(replay), total(live));
  EXPECT_EQ(count_matching(replay, "dash"), count_matching(live, "dash"));
  EXPECT_NEAR(static_cast<double>(count_matching(replay, ";main;calc_pure_python")),
              static_cast<double>(count_matching(live, ";main;calc_pure_python")), 2);
  // Both programs were sampled, each named by its own maps.
  EXPECT_GE(count_matching(replay, ";main;calc_pure_python"), 40u);
  EXPECT_GE(count_matching(replay, "dash"), 10u) << read_file(dir + "/replay.folded");
}

// While it lives, the other core is busy (a shell loop), as other jobs keep it in CI:
// samples are then named well after they are taken, and maps read when a sample is named
// are those of a later time (after an exec).
struct BusyCore {
  ChildProcess loop{{"/bin/sh", "-c", "while :; do :; done"}};
};

// dash busy for about a second, then exec'ing julia (printing "ready" first when asked).
std::string dash_then_julia(bool ready) {
  return std::string(ready ? "echo ready; " : "") +
         "i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done; exec " + target_binary("julia") +
         " --seconds 1 >/dev/null";
}

// dash's samples are all but julia's (which run calc_pure_python); named, they have a
// frame of dash (stripped: dash+0x...) and none [unknown]. At least 90% must be named.
void expect_dash_named(const std::string& folded, const std::string& what) {
  const auto stacks = parse_folded(read_file(folded));
  std::uint64_t dash = 0;
  std::uint64_t named = 0;
  for (const auto& [stack, count] : stacks) {
    if (stack.find("calc_pure_python") != std::string::npos) continue;
    dash += count;
    if (stack.find("dash+0x") != std::string::npos && stack.find("[unknown]") == std::string::npos)
      named += count;
  }
  std::printf("%s: %llu of %llu dash samples named\n", what.c_str(),
              static_cast<unsigned long long>(named), static_cast<unsigned long long>(dash));
  EXPECT_GE(dash, 100u) << what << "\n" << read_file(folded);
  EXPECT_GE(named * 10, dash * 9) << what << ": " << named << " of " << dash << "\n"
                                  << read_file(folded);
  EXPECT_GE(count_matching(stacks, "calc_pure_python"), 40u) << what;
}

// Records dash then julia (launched, or attached by PID) with a raw file, reports the raw
// file, and checks that dash's samples are named live and replayed, the other core busy.
void check_exec_under_load(bool attach) {
  const std::string dir = make_temp_dir();
  BusyCore busy;
  std::vector<std::string> args{cspy_binary(), "record",         "--rate", "400",
                                "--raw",       dir + "/run.raw", "-o",     dir + "/live.folded"};
  std::optional<ChildProcess> shell;
  if (attach) {
    shell.emplace(std::vector<std::string>{"/bin/dash", "-c", dash_then_julia(true)});
    ASSERT_TRUE(shell->wait_for_output("ready", 10s));
    args.insert(args.end(), {"--pid", std::to_string(shell->pid())});
  } else {
    args.insert(args.end(), {"--", "/bin/dash", "-c", dash_then_julia(false)});
  }
  CommandResult r = run_command(args, 90s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  CommandResult report =
      run_command({cspy_binary(), "report", dir + "/run.raw", "-o", dir + "/replay.folded"}, 60s);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  expect_dash_named(dir + "/live.folded", "live");
  expect_dash_named(dir + "/replay.folded", "replayed");
}

// The samples of a launched dash, taken before it exec'd julia, are named by dash's maps
// although named after the exec: the kernel's timed mapping and exec records say which
// maps were in force when each was taken. (Read from /proc when named, 44 of 56 were
// [unknown] in CI: the maps read were julia's.)
TEST(ExecChain, LaunchedShellNamedByItsOwnMapsUnderLoad) { check_exec_under_load(false); }

// The same, attached by PID to a dash already looping.
TEST(ExecChain, AttachedShellNamedByItsOwnMapsUnderLoad) { check_exec_under_load(true); }

// A dash that execs a dash that loops briefly and execs julia: the second dash's samples
// are named seconds after they are taken (the first ones load libc's debug info), when
// its maps are julia's. Named with the maps of their time, all but a few have no
// [unknown] frame (read from /proc when named, 14-21% had one here).
TEST(ExecChain, ShellExecingAShortShellNamedUnderLoad) {
  const std::string dir = make_temp_dir();
  BusyCore busy;
  const std::string inner = "i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done; exec " +
                            target_binary("julia") + " --seconds 1 >/dev/null";
  CommandResult r = run_command(
      {cspy_binary(), "record", "--rate", "400", "--raw", dir + "/run.raw", "-o",
       dir + "/live.folded", "--", "/bin/dash", "-c",
       "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; exec /bin/dash -c '" + inner + "'"},
      90s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  CommandResult report =
      run_command({cspy_binary(), "report", dir + "/run.raw", "-o", dir + "/replay.folded"}, 60s);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  for (const std::string name : {"live", "replay"}) {
    const std::string folded = dir + "/" + name + ".folded";
    const auto stacks = parse_folded(read_file(folded));
    std::uint64_t shells = 0;
    std::uint64_t unknown = 0;
    for (const auto& [stack, count] : stacks) {
      if (stack.find("calc_pure_python") != std::string::npos) continue;
      shells += count;
      if (stack.find("[unknown]") != std::string::npos) unknown += count;
    }
    EXPECT_GE(shells, 50u) << name << "\n" << read_file(folded);
    EXPECT_LE(unknown * 10, shells) << name << ": " << unknown << " of " << shells << "\n"
                                    << read_file(folded);
  }
}

}  // namespace
}  // namespace cspy::test
