// Debug info from elsewhere: a stripped julia copied alone to a fresh directory (so
// neither its .gnu_debuglink file nor the build tree's .build-id directory is beside it)
// gets its names, inlined frames and lines from --debug-dir, or from a real debuginfod
// server (Debian's) on loopback serving its debug file, started and stopped here.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

const std::string kChain = "main (julia.cpp:157);calc_pure_python (julia.cpp:";

// julia-stripped alone in a new directory.
std::string lonely_julia() {
  const std::string path = make_temp_dir() + "/julia-stripped";
  std::filesystem::copy_file(target_binary("julia-stripped"), path);
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

// Records the running program by PID with --lines; `prefix` runs cspy (env VAR=...).
std::map<std::string, std::uint64_t> record(pid_t pid, std::vector<std::string> prefix,
                                            const std::vector<std::string>& extra,
                                            std::string& err) {
  const std::string out = make_temp_dir() + "/out.folded";
  prefix.push_back(cspy_binary());
  // At 1 kHz: the inlined std::complex frames are the leaf of only ~2% of samples.
  for (const std::string& a :
       {std::string("record"), std::string("--pid"), std::to_string(pid), std::string("-d"),
        std::string("1"), std::string("-r"), std::string("1000"), std::string("--lines"),
        std::string("-o"), out}) {
    prefix.push_back(a);
  }
  prefix.insert(prefix.end(), extra.begin(), extra.end());
  CommandResult r = run_command(prefix, 120s);
  err = r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return parse_folded(read_file(out));
}

TEST(DebugInfo, StrippedAloneHasNoNames) {
  ChildProcess julia({lonely_julia(), "--seconds", "30"});
  std::this_thread::sleep_for(300ms);
  std::string err;
  const auto stacks = record(julia.pid(), {"env", "-u", "DEBUGINFOD_URLS"}, {}, err);
  ASSERT_GE(total_samples(stacks), 20u) << err;
  EXPECT_EQ(count_matching(stacks, "calc_pure_python"), 0u) << err;
}

TEST(DebugInfo, DebugDirGivesNamesInlinesAndLines) {
  ChildProcess julia({lonely_julia(), "--seconds", "30"});
  std::this_thread::sleep_for(300ms);
  std::string err;
  const auto stacks = record(julia.pid(), {"env", "-u", "DEBUGINFOD_URLS"},
                             {"--debug-dir", std::string(CSPY_BINARY_DIR) + "/debug"}, err);
  const std::uint64_t all = total_samples(stacks);
  ASSERT_GE(all, 20u) << err;
  EXPECT_GE(count_matching(stacks, kChain) * 100, all * 90) << err;
  EXPECT_GT(count_matching(stacks, "std::complex"), 0u) << err;  // inlined into the loop
}

TEST(DebugInfo, DebuginfodServerOnLoopback) {
  const std::string server = find_program("debuginfod");
  ASSERT_FALSE(server.empty()) << "debuginfod is missing: bash scripts/install-deps.sh";
  const std::string served = make_temp_dir();
  std::filesystem::copy_file(target_binary("julia-stripped.debug"), served + "/julia.debug");
  const std::string port = std::to_string(20000 + ::getpid() % 20000);
  const std::string url = "http://127.0.0.1:" + port;
  ChildProcess debuginfod(
      {server, "-F", served, "-p", port, "-d", make_temp_dir() + "/db.sqlite", "-t", "1"},
      Stderr::kMerge);
  // Until it has scanned the file and answers for the build-id.
  CommandResult readelf = run_command({"readelf", "-n", target_binary("julia-stripped")});
  const auto at = readelf.out.find("Build ID: ");
  ASSERT_NE(at, std::string::npos);
  const std::string id = readelf.out.substr(at + 10, 40);
  bool served_ok = false;
  for (int i = 0; i < 60 && !served_ok; ++i) {
    CommandResult found =
        run_command({"env", "DEBUGINFOD_URLS=" + url, "DEBUGINFOD_CACHE_PATH=" + make_temp_dir(),
                     "debuginfod-find", "debuginfo", id},
                    20s);
    served_ok = found.exit_code == 0;
    if (!served_ok) std::this_thread::sleep_for(500ms);
  }
  ASSERT_TRUE(served_ok) << debuginfod.take_output();

  ChildProcess julia({lonely_julia(), "--seconds", "30"});
  std::this_thread::sleep_for(300ms);
  std::string err;
  const std::string cache = make_temp_dir();
  const auto stacks = record(
      julia.pid(), {"env", "DEBUGINFOD_URLS=" + url, "DEBUGINFOD_CACHE_PATH=" + cache}, {}, err);
  const std::uint64_t all = total_samples(stacks);
  ASSERT_GE(all, 20u) << err;
  EXPECT_GE(count_matching(stacks, kChain) * 100, all * 90) << err;
  EXPECT_GT(count_matching(stacks, "std::complex"), 0u) << err;
  EXPECT_EQ(err.find("did not answer"), std::string::npos) << err;

  // Server down, empty cache: symbol-table names (none in a stripped file), no failure,
  // and one line that says the server did not answer.
  debuginfod.kill_and_reap();
  const auto down = record(
      julia.pid(), {"env", "DEBUGINFOD_URLS=" + url, "DEBUGINFOD_CACHE_PATH=" + make_temp_dir()},
      {}, err);
  ASSERT_GE(total_samples(down), 20u) << err;
  EXPECT_EQ(count_matching(down, "calc_pure_python"), 0u) << err;
  const std::string line = "debuginfod at " + url + " did not answer";
  const auto said = err.find(line);
  EXPECT_NE(said, std::string::npos) << err;
  EXPECT_EQ(err.find(line, said + 1), std::string::npos) << err;  // once
}

}  // namespace
}  // namespace cspy::test
