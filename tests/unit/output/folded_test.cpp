// Tests for the folded-stacks writer: root-first lines, counts, escaping, thread roots.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace cspy::output
