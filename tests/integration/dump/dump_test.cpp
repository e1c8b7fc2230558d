// `cspy dump` on the chain target: the main -> outer -> middle -> leaf chain for every
// thread, spinning or blocked, the same frames eu-stack sees, and the target keeps running.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

// Function names of each thread's frames, innermost first, from `cspy dump --json`.
std::map<int, std::vector<std::string>> dump_functions(pid_t pid, std::string* raw = nullptr) {
  CommandResult r =
      run_command({cspy_binary(), "dump", "--pid", std::to_string(pid), "--json"}, 30s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (raw) *raw = r.out;
  std::map<int, std::vector<std::string>> out;
  auto doc = nlohmann::json::parse(r.out, nullptr, false);
  if (doc.is_discarded()) {
    ADD_FAILURE() << "not JSON: " << r.out;
    return out;
  }
  for (const auto& t : doc["threads"]) {
    auto& fs = out[t["tid"].get<int>()];
    for (const auto& f : t["frames"]) fs.push_back(f["function"].get<std::string>());
  }
  return out;
}

bool has_chain(const std::vector<std::string>& frames, const std::vector<std::string>& chain) {
  for (std::size_t i = 0; i + chain.size() <= frames.size(); ++i) {
    if (std::equal(chain.begin(), chain.end(), frames.begin() + static_cast<long>(i))) return true;
  }
  return false;
}

class DumpChain : public ::testing::TestWithParam<std::string> {};

TEST_P(DumpChain, EveryThreadShowsTheChain) {
  ChildProcess chain({target_binary("chain"), "--mode", GetParam(), "--threads", "2"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  auto threads = dump_functions(chain.pid());
  ASSERT_EQ(threads.size(), 3u);  // main (joining) + 2 workers
  int with_chain = 0;
  for (const auto& [tid, frames] : threads) {
    std::vector<std::string> expected{"leaf", "middle", "outer", "thread_main"};
    if (GetParam() == "spin") expected.insert(expected.begin(), "inlined_work");
    if (has_chain(frames, expected)) ++with_chain;
  }
  EXPECT_EQ(with_chain, 2);
  EXPECT_TRUE(chain.running());
  EXPECT_FALSE(process_is_stopped(chain.pid()));
}

INSTANTIATE_TEST_SUITE_P(Modes, DumpChain, ::testing::Values("spin", "sleep", "read"));

TEST(Dump, TextShowsStateSyscallAndInlinedMarker) {
  ChildProcess chain({target_binary("chain"), "--mode", "read"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  // "ready" is written just before leaf blocks in read(): dump until it is blocked there.
  CommandResult r;
  for (int attempt = 0; attempt < 50; ++attempt) {
    r = run_command({cspy_binary(), "dump", "--pid", std::to_string(chain.pid())}, 30s);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (r.out.find("sleeping in read()") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(r.out.find("sleeping in read()"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(#\d+ +leaf \(.*chain\.cpp:\d+\))"))) << r.out;

  ChildProcess spin({target_binary("chain"), "--mode", "spin"});
  ASSERT_TRUE(spin.wait_for_output("ready", 10s));
  CommandResult s = run_command({cspy_binary(), "dump", "--pid", std::to_string(spin.pid())}, 30s);
  EXPECT_TRUE(
      std::regex_search(s.out, std::regex(R"(inlined_work \(.*chain\.cpp:\d+\) \[inlined\])")))
      << s.out;
}

TEST(Dump, MatchesEuStackForABlockedThread) {
  ChildProcess chain({target_binary("chain"), "--mode", "sleep", "--threads", "2"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  auto ours = dump_functions(chain.pid());
  CommandResult eu = run_command({"/usr/bin/eu-stack", "-p", std::to_string(chain.pid())}, 30s);
  ASSERT_EQ(eu.exit_code, 0) << eu.err;
  // eu-stack prints "TID n:" then "#k 0xADDR name(args)"; compare the chain's program frames.
  std::map<int, std::vector<std::string>> theirs;
  std::istringstream in(eu.out);
  std::string line;
  int tid = 0;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, std::regex(R"(^TID (\d+):)")))
      tid = std::stoi(m[1]);
    else if (std::regex_search(line, m,
                               std::regex(R"(^#\d+\s+0x[0-9a-f]+\s+([A-Za-z_][A-Za-z0-9_]*))")))
      theirs[tid].push_back(m[1]);
  }
  ASSERT_EQ(theirs.size(), ours.size());
  for (const auto& [t, frames] : theirs) {
    std::vector<std::string> mine_prog, theirs_prog;
    for (const auto& f : frames)
      if (f == "leaf" || f == "middle" || f == "outer" || f == "thread_main" || f == "main")
        theirs_prog.push_back(f);
    for (const auto& f : ours[t])
      if (f == "leaf" || f == "middle" || f == "outer" || f == "thread_main" || f == "main")
        mine_prog.push_back(f);
    EXPECT_EQ(mine_prog, theirs_prog) << "thread " << t;
  }
  EXPECT_TRUE(chain.running());
}

// The threads of one `cspy dump --json`: tid -> the thread's JSON.
std::map<int, nlohmann::json> dump_threads(pid_t pid) {
  CommandResult r =
      run_command({cspy_binary(), "dump", "--pid", std::to_string(pid), "--json"}, 30s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<int, nlohmann::json> out;
  auto doc = nlohmann::json::parse(r.out, nullptr, false);
  if (doc.is_discarded()) {
    ADD_FAILURE() << "not JSON: " << r.out;
    return out;
  }
  EXPECT_TRUE(doc["off_cpu_ns_meaning"].is_string()) << r.out;  // says what the figure is
  for (const auto& t : doc["threads"]) out[t["tid"].get<int>()] = t;
  return out;
}

bool in_leaf(const nlohmann::json& thread) {
  for (const auto& f : thread["frames"])
    if (f["function"] == "leaf") return true;
  return false;
}

// How long a blocked thread has been off CPU: chain --mode read blocks in read() just after
// "ready" and stays there, so dump's figure is the time since "ready" (to a few ms), taken
// between the sleep and the dump's return; a sleep-mode thread wakes every 20 ms; a
// spinning thread is running, with no figure.
TEST(Dump, OffCpuTimeOfBlockedThreads) {
  ChildProcess reader({target_binary("chain"), "--mode", "read", "--threads", "2"});
  ASSERT_TRUE(reader.wait_for_output("ready", 10s));
  const auto ready = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(1500ms);
  auto threads = dump_threads(reader.pid());
  const double upper =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ready).count();
  ASSERT_EQ(threads.size(), 3u);
  int workers = 0;
  for (const auto& [tid, t] : threads) {
    ASSERT_TRUE(t.contains("off_cpu_ns")) << t.dump();  // the workers and the joining main
    const double off = t["off_cpu_ns"].get<double>() / 1e9;
    EXPECT_GE(off, 1.5 - 0.05) << t.dump();
    EXPECT_LE(off, upper + 0.05) << t.dump();
    if (in_leaf(t)) {
      ++workers;
      EXPECT_EQ(t["syscall"], "read") << t.dump();
    }
  }
  EXPECT_EQ(workers, 2);

  ChildProcess sleeper({target_binary("chain"), "--mode", "sleep", "--threads", "2"});
  ASSERT_TRUE(sleeper.wait_for_output("ready", 10s));
  std::this_thread::sleep_for(500ms);
  for (const auto& [tid, t] : dump_threads(sleeper.pid())) {
    if (!in_leaf(t) || t["state"] == "running") continue;  // caught awake: no figure
    ASSERT_TRUE(t.contains("off_cpu_ns")) << t.dump();
    EXPECT_LE(t["off_cpu_ns"].get<double>() / 1e9, 0.1) << t.dump();  // sleeps of 20 ms
  }
  // The text form (the JSON dump above stopped the threads for a moment: they ran then).
  CommandResult text =
      run_command({cspy_binary(), "dump", "--pid", std::to_string(reader.pid())}, 30s);
  EXPECT_TRUE(
      std::regex_search(text.out, std::regex(R"(sleeping in read\(\), off CPU for [0-9.]+ m?s)")))
      << text.out;
  EXPECT_NE(text.out.find("(off CPU for: time since the thread last left the CPU"),
            std::string::npos)
      << text.out;

  ChildProcess spin({target_binary("chain"), "--mode", "spin"});
  ASSERT_TRUE(spin.wait_for_output("ready", 10s));
  for (const auto& [tid, t] : dump_threads(spin.pid())) {
    EXPECT_EQ(t["state"], "running") << t.dump();
    EXPECT_FALSE(t.contains("off_cpu_ns")) << t.dump();
  }
  EXPECT_TRUE(reader.running());
  EXPECT_FALSE(process_is_stopped(reader.pid()));
}

TEST(Dump, Errors) {
  EXPECT_EQ(run_command({cspy_binary(), "dump"}).exit_code, 2);
  CommandResult r = run_command({cspy_binary(), "dump", "--pid", "99999999"});
  EXPECT_EQ(r.exit_code, 3);
}

}  // namespace
}  // namespace cspy::test
