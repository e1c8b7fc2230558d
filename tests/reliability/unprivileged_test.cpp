// cspy run by an unprivileged user (nobody, no capabilities) with kernel.perf_event_paranoid
// at 2 and 3 (restored afterwards, even on failure): record, dump and report on nobody's own
// process work (perf_event, or the documented ptrace fallback with a notice naming the
// setting), and on root's process record and dump fail with one line and exit code 4
// (not permitted), leaving the target running and untraced. (top needs a terminal; its
// permission checks are record's.)
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

const std::string kParanoid = "/proc/sys/kernel/perf_event_paranoid";

// Sets perf_event_paranoid for the scope of the object; the old value comes back with it.
class ParanoidSetting {
 public:
  explicit ParanoidSetting(const std::string& value) : before_(read_file(kParanoid)) {
    written_ = !before_.empty() && write_file(kParanoid, value + "\n");
  }
  ParanoidSetting(const ParanoidSetting&) = delete;
  ParanoidSetting& operator=(const ParanoidSetting&) = delete;
  ~ParanoidSetting() {
    if (written_) write_file(kParanoid, before_);
  }
  bool written() const { return written_; }

 private:
  std::string before_;
  bool written_ = false;
};

std::vector<std::string> as_nobody(const std::vector<std::string>& argv) {
  std::vector<std::string> all = {find_program("setpriv"), "--reuid=nobody", "--regid=nogroup",
                                  "--clear-groups", "--inh-caps=-all"};
  all.insert(all.end(), argv.begin(), argv.end());
  return all;
}

// The number of lines of `text`.
int lines_of(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n' ? 1 : 0;
  return n;
}

class Unprivileged : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      if (in_ci()) FAIL() << "CI runs these tests as root (to set perf_event_paranoid)";
      GTEST_SKIP() << "needs root to set kernel.perf_event_paranoid";
    }
    ASSERT_FALSE(find_program("setpriv").empty()) << "setpriv (util-linux) is missing";
    dir_ = make_temp_dir();
    ::chmod(dir_.c_str(), 0777);
  }
  std::string dir_;
};

TEST_P(Unprivileged, OwnProcessIsProfiledAndDumped) {
  ParanoidSetting paranoid(GetParam());
  ASSERT_TRUE(paranoid.written());
  ChildProcess chain(as_nobody({target_binary("chain"), "--seconds", "30"}));
  ASSERT_TRUE(chain.wait_for_output("ready", 20s));
  const std::string pid = std::to_string(chain.pid());
  const std::string raw = dir_ + "/run.raw";
  CommandResult record = run_command(as_nobody({cspy_binary(), "record", "--pid", pid, "-d", "1",
                                                "--raw", raw, "-o", dir_ + "/out.folded"}),
                                     60s);
  ASSERT_EQ(record.exit_code, 0) << record.err;
  EXPECT_GT(total_samples(parse_folded(read_file(dir_ + "/out.folded"))), 10u) << record.err;
  // perf_event where the kernel allows it to an unprivileged user; otherwise the ptrace
  // sampler, with a notice naming the setting.
  if (record.err.find("sampler ptrace") != std::string::npos) {
    EXPECT_NE(record.err.find("kernel.perf_event_paranoid"), std::string::npos) << record.err;
  } else {
    EXPECT_NE(record.err.find("sampler perf_event"), std::string::npos) << record.err;
  }
  CommandResult dump = run_command(as_nobody({cspy_binary(), "dump", "--pid", pid}), 60s);
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("leaf"), std::string::npos) << dump.out;
  CommandResult report =
      run_command(as_nobody({cspy_binary(), "report", raw, "-o", dir_ + "/replay.folded"}), 60s);
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(total_samples(parse_folded(read_file(dir_ + "/replay.folded"))),
            total_samples(parse_folded(read_file(dir_ + "/out.folded"))));
  EXPECT_TRUE(chain.running());
  EXPECT_EQ(tracer_of(chain.pid(), chain.pid()), 0);
}

TEST_P(Unprivileged, AnotherUsersProcessIsRefusedInOneLine) {
  ParanoidSetting paranoid(GetParam());
  ASSERT_TRUE(paranoid.written());
  ChildProcess chain({target_binary("chain"), "--seconds", "30"});  // root's
  ASSERT_TRUE(chain.wait_for_output("ready", 20s));
  const std::string pid = std::to_string(chain.pid());
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{cspy_binary(), "record", "--pid", pid, "-d", "1", "-o",
                                 dir_ + "/no.folded"},
        std::vector<std::string>{cspy_binary(), "dump", "--pid", pid}}) {
    CommandResult r = run_command(as_nobody(argv), 60s);
    EXPECT_EQ(r.exit_code, 4) << argv[1] << ": " << r.err;
    EXPECT_EQ(lines_of(r.err), 1) << argv[1] << ": " << r.err;
    EXPECT_EQ(r.err.rfind("cspy: ", 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/no.folded"));
  EXPECT_TRUE(chain.running());
  EXPECT_FALSE(process_is_stopped(chain.pid()));
  EXPECT_EQ(tracer_of(chain.pid(), chain.pid()), 0);
}

INSTANTIATE_TEST_SUITE_P(Paranoid, Unprivileged, ::testing::Values("2", "3"),
                         [](const auto& level) { return std::string("paranoid_") + level.param; });

}  // namespace
}  // namespace cspy::test
