// `cspy top` in a real terminal (tmux): the julia target's hot function on top, the keys
// (sort, line grouping, threads, pause, reset, help, quit, Ctrl-C), a resize, the target's
// exit, a launched program, and the refusal to run without a terminal. Targets are
// ChildProcesses (always killed and reaped) and every tmux server is killed.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "support/child_process.h"
#include "support/test_files.h"
#include "tmux_session.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kScreenTimeout = 15s;  // the machine is noisy: poll, never sleep and hope
const std::string kHot = "calculate_z_serial_purepython";

std::vector<std::string> top_command(const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {cspy_binary(), "top", "--delay", "0.5"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

bool hot_on_top(const std::string& screen) {
  auto rows = top_rows(screen);
  return !rows.empty() && rows[0].function.find(kHot) != std::string::npos &&
         rows[0].own_percent > 80;
}

bool has(const std::string& screen, const std::string& text) {
  return screen.find(text) != std::string::npos;
}

// A julia target and `cspy top --pid` on it in a 160x40 terminal.
class TopJulia : public ::testing::Test {
 protected:
  void SetUp() override {
    julia_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{target_binary("julia"), "--seconds", "60"});
    tmux_ = std::make_unique<TmuxSession>(top_command({"--pid", std::to_string(julia_->pid())}));
    ASSERT_TRUE(tmux_->started()) << tmux_->error();
  }
  void TearDown() override {
    tmux_.reset();  // kills the tmux server first, so top lets go of the target
    EXPECT_TRUE(julia_->running()) << "top must leave a --pid target running";
    EXPECT_FALSE(process_is_stopped(julia_->pid()));
    julia_.reset();
  }
  // Waits for the hot function at the top, as every test starts from there.
  void wait_for_hot_row() {
    std::string screen;
    ASSERT_TRUE(tmux_->wait_until(hot_on_top, kScreenTimeout, &screen)) << screen;
  }
  std::string wait_for(const std::function<bool(const std::string&)>& ready) {
    std::string screen;
    EXPECT_TRUE(tmux_->wait_until(ready, kScreenTimeout, &screen)) << screen;
    return screen;
  }

  std::unique_ptr<ChildProcess> julia_;
  std::unique_ptr<TmuxSession> tmux_;
};

TEST_F(TopJulia, HotFunctionOnTopAndQuitExitsZero) {
  wait_for_hot_row();
  std::string screen = tmux_->capture();
  EXPECT_TRUE(has(screen, "PID " + std::to_string(julia_->pid()))) << screen;
  EXPECT_TRUE(has(screen, "julia --seconds 60")) << screen;
  EXPECT_TRUE(has(screen, "sorted by %Own  grouped by function  thread: all")) << screen;
  EXPECT_GT(header_number(screen, "Samples"), 0) << screen;
  tmux_->send_keys("q");
  EXPECT_EQ(tmux_->exit_code(10s), 0);
}

TEST_F(TopJulia, SortKeysChangeTheOrderAndTheStateLine) {
  wait_for_hot_row();
  tmux_->send_keys("2");
  std::string screen = wait_for([](const std::string& s) {
    auto rows = top_rows(s);
    return has(s, "sorted by %Total") && rows.size() >= 2 &&
           rows[0].function.find(kHot) == std::string::npos;
  });
  auto rows = top_rows(screen);
  ASSERT_GE(rows.size(), 2u) << screen;
  EXPECT_GE(rows[0].total_percent, rows[1].total_percent) << screen;
  EXPECT_GT(rows[0].total_percent, 99.0) << screen;  // main, _start, calc_pure_python...
  tmux_->send_keys("3");
  wait_for([](const std::string& s) { return has(s, "sorted by OwnTime") && hot_on_top(s); });
  tmux_->send_keys("4");
  wait_for([](const std::string& s) {
    auto r = top_rows(s);
    return has(s, "sorted by TotalTime") && !r.empty() &&
           r[0].function.find(kHot) == std::string::npos;
  });
  tmux_->send_keys("1");
  wait_for([](const std::string& s) { return has(s, "sorted by %Own") && hot_on_top(s); });
}

TEST_F(TopJulia, LineGroupingShowsFileAndLine) {
  wait_for_hot_row();
  tmux_->send_keys("L");
  static const std::regex kWithLine(kHot + R"( \(julia\.cpp:[0-9]+\))");
  std::string screen = wait_for([](const std::string& s) {
    return has(s, "grouped by line") && has(s, "Function (file:line)") &&
           std::regex_search(s, kWithLine);
  });
  tmux_->send_keys("L");
  wait_for([](const std::string& s) {
    return has(s, "grouped by function") && has(s, kHot + " (julia.cpp)");
  });
}

TEST_F(TopJulia, PauseFreezesTheDisplayWhileSamplingGoesOn) {
  wait_for_hot_row();
  tmux_->send_keys("P");
  std::string paused = wait_for([](const std::string& s) { return has(s, "PAUSED"); });
  long frozen = header_number(paused, "Samples");
  std::this_thread::sleep_for(1500ms);  // three refresh intervals
  std::string later = tmux_->capture();
  EXPECT_EQ(header_number(later, "Samples"), frozen) << later;
  EXPECT_TRUE(has(later, "PAUSED")) << later;
  tmux_->send_keys("P");
  wait_for([frozen](const std::string& s) {
    return !has(s, "PAUSED") && header_number(s, "Samples") > frozen;
  });
}

TEST_F(TopJulia, ResetStartsTheCountersAgain) {
  wait_for_hot_row();
  long before = -1;
  wait_for([&before](const std::string& s) {
    before = header_number(s, "Samples");
    return before >= 100;
  });
  tmux_->send_keys("R");
  wait_for([before](const std::string& s) {
    long now = header_number(s, "Samples");
    return now >= 0 && now < before / 2;
  });
  wait_for_hot_row();
}

TEST_F(TopJulia, HelpOverlayAndResize) {
  wait_for_hot_row();
  tmux_->send_keys("?");
  wait_for([](const std::string& s) { return has(s, "Keys") && has(s, "reset the counters"); });
  tmux_->resize(70, 15);
  // Redrawn at the new size: the help is still there and no line is wider than 70.
  wait_for([](const std::string& s) {
    std::istringstream lines(s);
    std::size_t widest = 0;
    for (std::string l; std::getline(lines, l);) {
      // Columns, not bytes: UTF-8 continuation bytes (the "…" of a shortened name) add none.
      std::size_t columns = 0;
      for (unsigned char c : l) columns += (c & 0xC0) != 0x80;
      widest = std::max(widest, columns);
    }
    return has(s, "Keys") && has(s, "reset the counters") && widest <= 70;
  });
  tmux_->send_keys("x");  // any key closes the help
  wait_for(
      [](const std::string& s) { return !has(s, "reset the counters") && !top_rows(s).empty(); });
  tmux_->resize(40, 8);
  wait_for([](const std::string& s) { return has(s, "cspy top"); });
  tmux_->resize(160, 40);
  wait_for([](const std::string& s) { return hot_on_top(s) && has(s, "julia --seconds 60"); });
  tmux_->send_keys("q");
  EXPECT_EQ(tmux_->exit_code(10s), 0);
}

TEST_F(TopJulia, CtrlCQuitsWithZero) {
  wait_for_hot_row();
  tmux_->send_keys("C-c", /*literal=*/false);
  EXPECT_EQ(tmux_->exit_code(10s), 0);
}

TEST(TopThreads, ThreadKeyShowsOneThreadThenAll) {
  ChildProcess chain({target_binary("chain"), "--threads", "2"});
  ASSERT_TRUE(chain.wait_for_output("ready", 20s));
  const std::set<pid_t> tids = thread_ids(chain.pid());
  TmuxSession tmux(top_command({"--pid", std::to_string(chain.pid())}));
  ASSERT_TRUE(tmux.started()) << tmux.error();
  std::string screen;
  ASSERT_TRUE(tmux.wait_until(
      [](const std::string& s) { return has(s, "leaf (chain.cpp)") && top_rows(s).size() >= 3; },
      kScreenTimeout, &screen))
      << screen;
  // T goes all -> each sampled thread (by TID) -> all. A thread the sampler has not reached
  // yet is not in the cycle, so cycle until two different threads have been shown.
  static const std::regex kState(R"(thread: (all|([0-9]+) \(chain\)))");
  auto state_of = [](const std::string& s) {
    std::smatch m;
    return std::regex_search(s, m, kState) ? m[1].str() : std::string();
  };
  std::set<pid_t> shown;
  std::string state = "all";
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while ((shown.size() < 2 || state != "all") && std::chrono::steady_clock::now() < deadline) {
    const std::string before = state;
    tmux.send_keys("T");
    ASSERT_TRUE(tmux.wait_until(
        [&](const std::string& s) { return state_of(s) != before && !state_of(s).empty(); },
        kScreenTimeout, &screen))
        << screen;
    state = state_of(screen);
    if (state == "all") continue;
    pid_t tid = static_cast<pid_t>(std::stol(state));
    EXPECT_TRUE(tids.count(tid)) << screen;
    // One thread's rows: one thread's share of the samples, the chain's functions.
    EXPECT_TRUE(tmux.wait_until([](const std::string& s) { return has(s, "leaf (chain.cpp)"); },
                                kScreenTimeout, &screen))
        << screen;
    shown.insert(tid);
  }
  EXPECT_GE(shown.size(), 2u) << screen;
  EXPECT_EQ(state, "all") << screen;
  tmux.send_keys("q");
  EXPECT_EQ(tmux.exit_code(10s), 0);
  EXPECT_TRUE(chain.running());
}

// --subprocesses: a shell running julia and chain. O shows one process at a time (the
// state line names it, the rows are its functions only), then all again.
TEST(TopSubprocesses, ProcessKeyShowsOneProcessThenAll) {
  const std::string script = target_binary("julia") + " --seconds 60 >/dev/null & " +
                             target_binary("chain") + " --seconds 60 >/dev/null & wait";
  TmuxSession tmux(top_command({"--subprocesses", "--", "/bin/sh", "-c", script}));
  ASSERT_TRUE(tmux.started()) << tmux.error();
  std::string screen;
  ASSERT_TRUE(tmux.wait_until(
      [](const std::string& s) { return has(s, kHot) && has(s, "leaf (chain.cpp)"); },
      kScreenTimeout, &screen))
      << screen;
  EXPECT_TRUE(has(screen, "process: all")) << screen;
  static const std::regex kState(R"(process: (all|[0-9]+ \((\w+)\)))");
  auto name_of = [](const std::string& s) {
    std::smatch m;
    if (!std::regex_search(s, m, kState)) return std::string();
    return m[1].str() == "all" ? std::string("all") : m[2].str();
  };
  std::set<std::string> shown;
  auto deadline = std::chrono::steady_clock::now() + 40s;
  std::string state = "all";
  while ((shown.count("julia") == 0 || shown.count("chain") == 0 || state != "all") &&
         std::chrono::steady_clock::now() < deadline) {
    const std::string before = state;
    tmux.send_keys("O");
    ASSERT_TRUE(tmux.wait_until(
        [&](const std::string& s) { return !name_of(s).empty() && name_of(s) != before; },
        kScreenTimeout, &screen))
        << screen;
    state = name_of(screen);
    shown.insert(state);
    if (state == "julia") {
      EXPECT_TRUE(tmux.wait_until([](const std::string& s) { return hot_on_top(s); },
                                  kScreenTimeout, &screen))
          << screen;
      EXPECT_FALSE(has(screen, "leaf (chain.cpp)")) << screen;
    } else if (state == "chain") {
      EXPECT_TRUE(tmux.wait_until([](const std::string& s) { return has(s, "leaf (chain.cpp)"); },
                                  kScreenTimeout, &screen))
          << screen;
      EXPECT_FALSE(has(screen, kHot)) << screen;
    }
  }
  EXPECT_EQ(shown.count("julia"), 1u) << screen;
  EXPECT_EQ(shown.count("chain"), 1u) << screen;
  EXPECT_EQ(state, "all") << screen;
  tmux.send_keys("q");
  EXPECT_EQ(tmux.exit_code(10s), 0);
}

TEST(TopExit, TargetExitIsShownAndTheFiguresStay) {
  ChildProcess julia({target_binary("julia"), "--seconds", "3"});
  TmuxSession tmux(top_command({"--pid", std::to_string(julia.pid())}));
  ASSERT_TRUE(tmux.started()) << tmux.error();
  std::string exited = "process " + std::to_string(julia.pid()) + " exited";
  std::string screen;
  ASSERT_TRUE(tmux.wait_until([&](const std::string& s) { return has(s, exited); }, 30s, &screen))
      << screen;
  EXPECT_TRUE(hot_on_top(screen)) << screen;
  std::this_thread::sleep_for(1200ms);  // it stays up, figures kept, until q
  screen = tmux.capture();
  EXPECT_TRUE(has(screen, exited) && hot_on_top(screen)) << screen;
  tmux.send_keys("q");
  EXPECT_EQ(tmux.exit_code(10s), 0);
}

TEST(TopLaunch, LaunchedProgramIsWatchedAndStoppedOnQuit) {
  TmuxSession tmux(top_command({"--", target_binary("julia"), "--seconds", "60"}));
  ASSERT_TRUE(tmux.started()) << tmux.error();
  std::string screen;
  bool hot = tmux.wait_until(hot_on_top, kScreenTimeout, &screen);
  long pid = header_number(screen, "PID");
  EXPECT_TRUE(hot) << screen;
  ASSERT_GT(pid, 0) << screen;
  tmux.send_keys("q");
  EXPECT_EQ(tmux.exit_code(10s), 0);
  EXPECT_NE(::kill(static_cast<pid_t>(pid), 0), 0) << "the launched julia outlived top";
}

// S writes the profile so far without stopping the view: by default a flamegraph named
// cspy-NAME-PID-TIME.svg in top's current directory (the path on the state line), with
// --save FILE that file in the format of its extension.
TEST(TopSave, SaveKeyWritesTheProfileAndTheViewGoesOn) {
  ChildProcess julia({target_binary("julia"), "--seconds", "60"});
  const std::string dir = make_test_dir("top_save");
  const std::string pid = std::to_string(julia.pid());
  TmuxSession tmux({"env", "-C", dir, cspy_binary(), "top", "--delay", "0.5", "--pid", pid});
  ASSERT_TRUE(tmux.started()) << tmux.error();
  std::string screen;
  ASSERT_TRUE(tmux.wait_until(hot_on_top, kScreenTimeout, &screen)) << screen;
  tmux.send_keys("s");
  const std::regex kSaved("saved (cspy-julia-" + pid + R"(-[0-9]{8}-[0-9]{6}\.svg))");
  std::smatch m;
  ASSERT_TRUE(tmux.wait_until([&](const std::string& s) { return std::regex_search(s, m, kSaved); },
                              kScreenTimeout, &screen))
      << screen;
  ASSERT_TRUE(std::regex_search(screen, m, kSaved));
  const std::string svg = read_file(dir + "/" + m[1].str());
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find(kHot), std::string::npos);
  // The view goes on: the sample count keeps growing after the save.
  const long samples = header_number(screen, "Samples");
  EXPECT_TRUE(tmux.wait_until(
      [&](const std::string& s) { return header_number(s, "Samples") > samples + 50; },
      kScreenTimeout, &screen))
      << screen;
  tmux.send_keys("q");
  EXPECT_EQ(tmux.exit_code(10s), 0);

  const std::string folded = dir + "/so-far.folded";
  TmuxSession named(top_command({"--pid", pid, "--save", folded}));
  ASSERT_TRUE(named.started()) << named.error();
  ASSERT_TRUE(named.wait_until(hot_on_top, kScreenTimeout, &screen)) << screen;
  named.send_keys("S");
  ASSERT_TRUE(named.wait_until([&](const std::string& s) { return has(s, "saved " + folded); },
                               kScreenTimeout, &screen))
      << screen;
  const std::string text = read_file(folded);
  EXPECT_TRUE(std::regex_search(text, std::regex(kHot + R"( [0-9]+\n)"))) << text;
  named.send_keys("?");
  EXPECT_TRUE(named.wait_until([](const std::string& s) { return has(s, "S  save what was"); },
                               kScreenTimeout, &screen))
      << screen;
  named.send_keys("q");
  EXPECT_EQ(named.exit_code(10s), 0);
  EXPECT_TRUE(julia.running());
}

// One row of the --idle view: "%Own %Total OwnTime TotalTime %Off Function".
struct OffRow {
  double total = 0;
  double off = 0;
};
std::map<std::string, OffRow> off_rows(const std::string& screen) {
  static const std::regex kRow(
      R"(^\s*[0-9.]+%\s+([0-9.]+)%\s+[0-9.]+s\s+[0-9.]+s\s+([0-9.]+)%\s+(\S+).*$)");
  std::map<std::string, OffRow> rows;
  std::istringstream lines(screen);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kRow)) rows[m[3]] = OffRow{std::stod(m[1]), std::stod(m[2])};
  }
  return rows;
}

// --idle adds %Off, the share of a row's time spent off CPU: on duty (60 ms computing,
// 40 ms asleep per cycle) compute is on CPU, rest off, main 40% off.
TEST(TopIdle, OffColumnShowsTheSplit) {
  TmuxSession tmux(top_command({"--idle", "--", target_binary("duty"), "--seconds", "60"}));
  ASSERT_TRUE(tmux.started()) << tmux.error();
  std::string screen;
  auto settled = [](const std::string& s) {
    auto rows = off_rows(s);
    return has(s, "%Off") && rows.count("main") && rows.count("compute") && rows.count("rest") &&
           std::regex_search(s, std::regex(R"(Elapsed ([3-9]|[1-9][0-9])\.)"));
  };
  ASSERT_TRUE(tmux.wait_until(settled, 30s, &screen)) << screen;
  auto rows = off_rows(screen);
  // A sample on CPU lands in rest now and then (the call into nanosleep), so not exactly.
  EXPECT_NEAR(rows["compute"].off, 0, 4) << screen;
  EXPECT_NEAR(rows["rest"].off, 100, 4) << screen;
  EXPECT_NEAR(rows["main"].off, 40, 5) << screen;
  EXPECT_NEAR(rows["main"].total, 100, 1) << screen;
  EXPECT_TRUE(has(screen, "Off CPU")) << screen;
  tmux.send_keys("q");
  EXPECT_EQ(tmux.exit_code(10s), 0);
}

TEST(TopNoTerminal, ExitsTwoWithoutEscapeCodes) {
  ChildProcess julia({target_binary("julia"), "--seconds", "60"});
  CommandResult r = run_command({cspy_binary(), "top", "--pid", std::to_string(julia.pid())}, 30s);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "terminal")) << r.err;
  EXPECT_TRUE(has(r.err, "cspy record")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(r.err.find('\033'), std::string::npos) << r.err;
  EXPECT_TRUE(julia.running());
  CommandResult launched = run_command({cspy_binary(), "top", "--", target_binary("julia")}, 30s);
  EXPECT_EQ(launched.exit_code, 2) << launched.err;
  EXPECT_TRUE(launched.out.empty()) << launched.out;  // julia never ran: it would print "sum"
}

TEST(TopUsage, BadOptionsExitTwo) {
  EXPECT_EQ(run_command({cspy_binary(), "top"}, 30s).exit_code, 2);
  EXPECT_EQ(run_command({cspy_binary(), "top", "--pid", "1", "--delay", "0"}, 30s).exit_code, 2);
  EXPECT_EQ(run_command({cspy_binary(), "top", "--pid", "1", "--sampler", "magic"}, 30s).exit_code,
            2);
  EXPECT_EQ(run_command({cspy_binary(), "top", "--bogus"}, 30s).exit_code, 2);
  CommandResult help = run_command({cspy_binary(), "top", "--help"}, 30s);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(has(help.out, "--delay")) << help.out;
}

}  // namespace
}  // namespace cspy::test
