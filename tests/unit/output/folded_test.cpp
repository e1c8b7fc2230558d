// Tests for the folded-stacks writer: root-first lines, counts, escaping, thread roots.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "cspy/output/writer.h"

namespace cspy::output {
namespace {

using aggregate::Frame;
using aggregate::FrameId;

TEST(Folded, OneLinePerStackRootFirst) {
  aggregate::Profile p;
  FrameId m = p.frames().intern(Frame{.function = "main"});
  FrameId a = p.frames().intern(Frame{.function = "ns::f<int; x>", .file = "/s/a.cpp", .line = 7});
  std::vector<FrameId> s1{m, a}, s2{m};
  p.add_sample(1, s1, 0, 5);
  p.add_sample(1, s2, 0);
  p.add_sample(2, s1, 0);
  std::ostringstream out;
  write_folded(p, {}, out);
  EXPECT_EQ(out.str(), "main 1\nmain;ns::f<int: x> 6\n");

  std::ostringstream lines;
  write_folded(p, WriteOptions{.lines = true}, lines);
  EXPECT_EQ(lines.str(), "main 1\nmain;ns::f<int: x> (a.cpp:7) 6\n");

  p.set_thread_name(2, "w");
  std::ostringstream threads;
  write_folded(p, WriteOptions{.thread_roots = true}, threads);
  EXPECT_EQ(threads.str(),
            "thread 1;main 1\nthread 1;main;ns::f<int: x> 5\nthread 2 (w);main;ns::f<int: x> 1\n");
}

// Names from the target (a thread's prctl name, a symbol) cannot split a line or a frame,
// nor send a terminal escape to whoever cats the file.
TEST(Folded, HostileNamesStayOneInertStackPerLine) {
  aggregate::Profile p;
  FrameId f = p.frames().intern(Frame{.function = "f\x1b[2J;g\nh\ri\xff"});
  std::vector<FrameId> s{f};
  p.add_sample(7, s, 0);
  p.set_thread_name(7, "\x1b]0;pwned\x07;x\ny");
  std::ostringstream out;
  write_folded(p, WriteOptions{.thread_roots = true}, out);
  const std::string text = out.str();
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), ';'), 1) << text;  // thread root;frame
  EXPECT_TRUE(text.ends_with(" 1\n")) << text;
}

}  // namespace
}  // namespace cspy::output
