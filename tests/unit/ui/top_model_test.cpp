// Tests for TopModel: keys change the state line and the rows, pause freezes the snapshot,
// thread cycling, and the rendered screen (header, columns, rows that fit, help, exit).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cspy/ui/text_format.h"
#include "cspy/ui/top_model.h"

namespace cspy::ui {
namespace {

using aggregate::Frame;
using aggregate::FrameId;
using aggregate::Profile;

class TopModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    main_ = intern("main", 10);
    hot_ = intern("ns::Solver::hot_loop", 40);
    hot2_ = intern("ns::Solver::hot_loop", 41);
    cold_ = intern("cold", 70);
    profile_.set_thread_name(101, "main");
    profile_.set_thread_name(102, "worker");
    profile_.add_sample(101, std::vector<FrameId>{main_, hot_}, 0, 60);
    profile_.add_sample(101, std::vector<FrameId>{main_, hot2_}, 0, 20);
    profile_.add_sample(102, std::vector<FrameId>{main_, cold_}, 0, 15);
    profile_.add_sample(102, std::vector<FrameId>{main_}, 0, 5);
    status_ = TargetStatus{.command = "./prog --fast", .pid = 100, .elapsed_s = 1.0, .threads = 2};
  }
  FrameId intern(const std::string& name, int line) {
    return profile_.frames().intern(
        Frame{.function = name, .module = "prog", .file = "/src/prog.cpp", .line = line});
  }
  std::string screen(int width = 100, int height = 30) const {
    std::string s;
    for (const ScreenLine& l : model_.render(width, height)) s += l.text + "\n";
    return s;
  }

  Profile profile_;
  TargetStatus status_;
  TopModel model_{100.0};
  FrameId main_, hot_, hot2_, cold_;
};

TEST_F(TopModelTest, HeaderAndRowsHottestFirst) {
  model_.refresh(profile_, status_);
  std::vector<ScreenLine> lines = model_.render(100, 30);
  std::string s = screen();
  EXPECT_NE(s.find("PID 100: ./prog --fast"), std::string::npos) << s;
  EXPECT_NE(s.find("Samples 100"), std::string::npos) << s;
  EXPECT_NE(s.find("Rate 100/s"), std::string::npos) << s;
  EXPECT_NE(s.find("Threads 2"), std::string::npos) << s;
  EXPECT_EQ(s.find("Lost"), std::string::npos) << s;
  EXPECT_NE(s.find("sorted by %Own  grouped by function  thread: all"), std::string::npos) << s;
  EXPECT_NE(s.find("  %Own  %Total   OwnTime  TotalTime  Function (file)"), std::string::npos) << s;
  ASSERT_EQ(model_.stats().rows.size(), 3u);
  EXPECT_EQ(model_.stats().rows[0].function, "ns::Solver::hot_loop");
  // 80 of 100 samples, 0.80 s at 100 Hz.
  EXPECT_NE(s.find(" 80.0%   80.0%     0.80s      0.80s  ns::Solver::hot_loop (prog.cpp)"),
            std::string::npos)
      << s;
  for (const ScreenLine& l : lines) EXPECT_LE(display_width(l.text), 100u);
}

TEST_F(TopModelTest, CountersShownWhenNonZero) {
  profile_.add_lost(101, 3);
  const FrameId unknown = profile_.frames().unknown();
  profile_.add_sample(101, std::vector<FrameId>{unknown}, 0, 4);
  model_.refresh(profile_, status_);
  std::string s = screen();
  EXPECT_NE(s.find("Lost 3"), std::string::npos) << s;
  EXPECT_NE(s.find("Unwind errors 4"), std::string::npos) << s;
  EXPECT_EQ(s.find("Idle"), std::string::npos) << "no idle share unless idle is sampled";
}

TEST_F(TopModelTest, OnCpuAndIdleShareWhenIdleIsSampled) {
  // 50 more samples on CPU and 50 off CPU: 50 of 200 idle.
  profile_.add_sample(101, std::vector<FrameId>{main_, hot_}, 0, 50);
  profile_.add_sample(102, std::vector<FrameId>{main_, cold_}, 0, 50, /*idle=*/true);
  model_.refresh(profile_, status_);
  std::string s = screen();
  EXPECT_NE(s.find("On CPU 75%  Off CPU 25%"), std::string::npos) << s;
}

TEST_F(TopModelTest, SortKeys) {
  model_.refresh(profile_, status_);
  EXPECT_EQ(model_.handle_key('2'), KeyAction::kRedraw);
  EXPECT_EQ(model_.state().sort, SortColumn::kTotalPercent);
  EXPECT_EQ(model_.stats().rows[0].function, "main");  // total 100
  EXPECT_NE(screen().find("sorted by %Total"), std::string::npos);
  model_.handle_key('1');
  EXPECT_EQ(model_.stats().rows[0].function, "ns::Solver::hot_loop");
  model_.handle_key('4');
  EXPECT_NE(screen().find("sorted by TotalTime"), std::string::npos);
  EXPECT_EQ(model_.stats().rows[0].function, "main");
  model_.handle_key('3');
  EXPECT_NE(screen().find("sorted by OwnTime"), std::string::npos);
  EXPECT_EQ(model_.stats().rows[0].function, "ns::Solver::hot_loop");
}

TEST_F(TopModelTest, LineGroupingShowsFileAndLine) {
  model_.refresh(profile_, status_);
  EXPECT_EQ(model_.handle_key('L'), KeyAction::kRefresh);
  model_.refresh(profile_, status_, true);
  std::string s = screen();
  EXPECT_NE(s.find("grouped by line"), std::string::npos) << s;
  EXPECT_NE(s.find("Function (file:line)"), std::string::npos) << s;
  EXPECT_NE(s.find("ns::Solver::hot_loop (prog.cpp:40)"), std::string::npos) << s;
  EXPECT_NE(s.find("ns::Solver::hot_loop (prog.cpp:41)"), std::string::npos) << s;
  model_.handle_key('l');
  model_.refresh(profile_, status_, true);
  EXPECT_NE(screen().find("grouped by function"), std::string::npos);
}

TEST_F(TopModelTest, ThreadKeyCyclesAllEachAll) {
  model_.refresh(profile_, status_);
  EXPECT_EQ(model_.handle_key('T'), KeyAction::kRefresh);
  model_.refresh(profile_, status_, true);
  EXPECT_EQ(model_.state().thread, 101);
  EXPECT_NE(screen().find("thread: 101 (main)"), std::string::npos);
  EXPECT_EQ(model_.stats().samples, 80u);
  model_.handle_key('t');
  model_.refresh(profile_, status_, true);
  EXPECT_EQ(model_.state().thread, 102);
  EXPECT_NE(screen().find("thread: 102 (worker)"), std::string::npos);
  EXPECT_EQ(model_.stats().rows[0].function, "cold");
  EXPECT_NE(screen().find(" 75.0%"), std::string::npos) << screen();  // 15 of 20
  model_.handle_key('T');
  model_.refresh(profile_, status_, true);
  EXPECT_FALSE(model_.state().thread.has_value());
  EXPECT_NE(screen().find("thread: all"), std::string::npos);
}

// --subprocesses: O shows all processes, then each (its threads only, and T cycles those),
// then all again. Without several processes, no process in the state line.
TEST_F(TopModelTest, ProcessKeyCyclesAllEachAll) {
  model_.refresh(profile_, status_);
  EXPECT_EQ(screen().find("process:"), std::string::npos);
  profile_.info().process_roots = true;
  profile_.set_process_name(100, "prog");
  profile_.set_process_name(200, "child");
  profile_.set_thread_process(101, 100);
  profile_.set_thread_process(102, 100);
  profile_.set_thread_process(201, 200);
  profile_.set_thread_name(201, "child");
  profile_.add_sample(201, std::vector<FrameId>{main_, cold_}, 0, 30);
  model_.refresh(profile_, status_, true);
  EXPECT_NE(screen().find("process: all"), std::string::npos) << screen();
  EXPECT_EQ(model_.stats().samples, 130u);
  EXPECT_EQ(model_.handle_key('O'), KeyAction::kRefresh);
  model_.refresh(profile_, status_, true);
  EXPECT_EQ(model_.state().process, 100);
  EXPECT_NE(screen().find("process: 100 (prog)"), std::string::npos) << screen();
  EXPECT_EQ(model_.stats().samples, 100u);
  model_.handle_key('t');  // the threads of process 100 only
  model_.refresh(profile_, status_, true);
  EXPECT_EQ(model_.state().thread, 101);
  model_.handle_key('o');  // process 200: thread 101 is not its own, so all its threads
  model_.refresh(profile_, status_, true);
  EXPECT_EQ(model_.state().process, 200);
  EXPECT_FALSE(model_.state().thread.has_value());
  EXPECT_EQ(model_.stats().samples, 30u);
  EXPECT_EQ(model_.stats().rows[0].function, "cold");
  model_.handle_key('t');
  model_.handle_key('t');  // after 201, the only thread: all again
  model_.refresh(profile_, status_, true);
  EXPECT_FALSE(model_.state().thread.has_value());
  model_.handle_key('o');
  model_.refresh(profile_, status_, true);
  EXPECT_FALSE(model_.state().process.has_value());
  EXPECT_EQ(model_.stats().samples, 130u);
}

TEST_F(TopModelTest, PauseFreezesTheSnapshot) {
  model_.refresh(profile_, status_);
  EXPECT_EQ(model_.handle_key('P'), KeyAction::kRedraw);
  EXPECT_NE(screen().find("PAUSED"), std::string::npos);
  profile_.add_sample(101, std::vector<FrameId>{main_, cold_}, 0, 1000);
  model_.refresh(profile_, status_);
  EXPECT_EQ(model_.stats().samples, 100u);
  EXPECT_EQ(model_.handle_key('p'), KeyAction::kRefresh);
  model_.refresh(profile_, status_, true);
  EXPECT_EQ(model_.stats().samples, 1100u);
  EXPECT_EQ(screen().find("PAUSED"), std::string::npos);
}

TEST_F(TopModelTest, ResetQuitAndUnknownKeys) {
  EXPECT_EQ(model_.handle_key('R'), KeyAction::kReset);
  EXPECT_EQ(model_.handle_key('q'), KeyAction::kQuit);
  EXPECT_EQ(model_.handle_key(3), KeyAction::kQuit);
  EXPECT_EQ(model_.handle_key('x'), KeyAction::kNone);
}

TEST_F(TopModelTest, HelpOverlay) {
  model_.refresh(profile_, status_);
  EXPECT_EQ(model_.handle_key('?'), KeyAction::kRedraw);
  std::string s = screen();
  EXPECT_NE(s.find("sort by %Own"), std::string::npos) << s;
  EXPECT_NE(s.find("reset the counters"), std::string::npos) << s;
  EXPECT_EQ(s.find("hot_loop"), std::string::npos) << s;
  EXPECT_EQ(model_.handle_key('x'), KeyAction::kRedraw);  // any key closes it
  EXPECT_FALSE(model_.state().help);
  EXPECT_NE(screen().find("hot_loop"), std::string::npos);
}

TEST_F(TopModelTest, RowsThatFitAndNarrowScreens) {
  model_.refresh(profile_, status_);
  std::vector<ScreenLine> lines = model_.render(100, 6);
  EXPECT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines.back().style, LineStyle::kRow);
  for (int width : {1, 20, 45, 50, 60}) {
    for (const ScreenLine& l : model_.render(width, 30))
      EXPECT_LE(display_width(l.text), static_cast<std::size_t>(width));
  }
  model_.set_ellipsis("~");
  std::string narrow;
  for (const ScreenLine& l : model_.render(60, 30)) narrow += l.text + "\n";
  EXPECT_NE(narrow.find("~::hot_loop"), std::string::npos) << narrow;
  EXPECT_TRUE(model_.render(100, 0).empty());
}

TEST_F(TopModelTest, ExitedTargetIsAnnounced) {
  status_.exited = true;
  model_.refresh(profile_, status_);
  EXPECT_NE(screen().find("process 100 exited"), std::string::npos);
}

// Names come from the target: none may drive the terminal (issue 14's hostile names).
TEST_F(TopModelTest, HostileNamesAreShownEscapedOnOneLine) {
  const FrameId evil = profile_.frames().intern(Frame{.function = "f\n\x1b[2J\rg\x9b"
                                                                  "31m\xc2\x9b"
                                                                  "1m",
                                                      .module = "m\x07",
                                                      .file = "/src/a\tb.cpp",
                                                      .line = 3});
  profile_.set_thread_name(103, "th\x1b]0;title\x07");
  profile_.add_sample(103, std::vector<FrameId>{main_, evil}, 0, 500);
  status_.command = "./prog\nline2\x1b[H";
  model_.refresh(profile_, status_);
  model_.handle_key('T');
  model_.handle_key('T');
  model_.handle_key('T');
  for (const ScreenLine& l : model_.render(200, 30)) {
    for (unsigned char c : l.text) EXPECT_TRUE(c >= 0x20 && c != 0x7f) << l.text;
    EXPECT_EQ(l.text.find("\xc2\x9b"), std::string::npos) << l.text;  // C1 CSI
  }
  const std::string s = screen(200, 30);
  EXPECT_NE(s.find("./prog\\nline2\\x1b[H"), std::string::npos) << s;
  EXPECT_NE(s.find("f\\n\\x1b[2J\\rg"), std::string::npos) << s;
  EXPECT_NE(s.find("103 (th\\x1b]0;title\\x07)"), std::string::npos) << s;
}

}  // namespace
}  // namespace cspy::ui
