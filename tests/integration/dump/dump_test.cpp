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

TEST(Dump, Errors) {
  EXPECT_EQ(run_command({cspy_binary(), "dump"}).exit_code, 2);
  CommandResult r = run_command({cspy_binary(), "dump", "--pid", "99999999"});
  EXPECT_EQ(r.exit_code, 3);
}

}  // namespace
}  // namespace cspy::test
