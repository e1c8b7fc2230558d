// Golden-file tests: the folded, flamegraph and speedscope outputs of a small fixed
// profile must stay byte for byte the same. After an intended change, regenerate with
//   CSPY_UPDATE_GOLDEN=1 build-output/tests/unit/output/output_test --gtest_filter='Golden*'
// and review the diff of tests/data/output/ (see its README.md).
#include <gtest/gtest.h>

#include <sstream>

#include "cspy/output/writer.h"
#include "test_support.h"

namespace cspy::output {
namespace {

using namespace testing;

std::string render(Format format, const WriteOptions& options) {
  aggregate::Profile p = small_profile();
  std::ostringstream out;
  write_profile(format, p, options, out);
  return out.str();
}

TEST(GoldenOutput, Folded) {
  EXPECT_EQ(check_golden("small.folded", render(Format::kFolded, {})), "");
}

TEST(GoldenOutput, FlamegraphSvg) {
  EXPECT_EQ(check_golden("small.svg", render(Format::kFlamegraph, {})), "");
}

TEST(GoldenOutput, FlamegraphIcicleWithThreads) {
  WriteOptions options{.thread_roots = true, .lines = true, .reverse = true};
  EXPECT_EQ(check_golden("small_reverse_threads.svg", render(Format::kFlamegraph, options)), "");
}

TEST(GoldenOutput, Speedscope) {
  EXPECT_EQ(check_golden("small.speedscope.json", render(Format::kSpeedscope, {})), "");
}

}  // namespace
}  // namespace cspy::output
