// The Python integration tests' shared helpers.
#include "python_support.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "support/test_files.h"

namespace cspy::test {

using namespace std::chrono_literals;

void PrintTo(const Python& python, std::ostream* out) { *out << python.path; }

// The interpreters this machine has: pyenv's 3.8-3.13 and Debian's python3.11.
std::vector<Python> interpreters() {
  std::vector<Python> found;
  const std::filesystem::path pyenv = "/root/.pyenv/versions";
  std::error_code ec;
  for (const auto& dir : std::filesystem::directory_iterator(pyenv, ec)) {
    static const std::regex kVersion(R"(3\.(\d+)\.(\d+))");
    std::smatch m;
    const std::string v = dir.path().filename().string();
    if (!std::regex_match(v, m, kVersion)) continue;
    const int minor = std::stoi(m[1].str());
    if (minor < 8 || minor > 13) continue;
    const std::string exe = dir.path().string() + "/bin/python3." + m[1].str();
    if (!std::filesystem::exists(exe)) continue;
    found.push_back(
        Python{.name = "3_" + m[1].str() + "_" + m[2].str(), .path = exe, .minor = minor});
  }
  std::sort(found.begin(), found.end(),
            [](const Python& a, const Python& b) { return a.minor < b.minor; });
  if (std::filesystem::exists("/usr/bin/python3.11")) {
    found.push_back(Python{.name = "debian_3_11", .path = "/usr/bin/python3.11", .minor = 11});
  }
  return found;
}

// The line of test_targets/<file> that ends in "# LINE: <marker>".
int python_marker_line(const std::string& file, const std::string& marker) {
  std::ifstream in(target_source(file));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.ends_with("# LINE: " + marker)) return n;
  }
  ADD_FAILURE() << "no marker " << marker << " in " << file;
  return 0;
}

// Starts `script` under `python` and waits for its "ready" line.
ChildProcess start_ready(const Python& python, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {python.path};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess child(argv);
  EXPECT_TRUE(child.wait_for_output("ready", 30s)) << child.error_output();
  return child;
}

// julia1.py, once it has built its lists and is in calculate_z_serial_purepython.
ChildProcess start_julia(const Python& python) {
  ChildProcess julia({python.path, "-u", target_binary("julia1.py")});
  EXPECT_TRUE(julia.wait_for_output("Total elements", 60s)) << julia.error_output();
  return julia;
}

// Runs `cspy record` on `pid` and checks, while it runs, that the target is never traced
// (with the perf_event sampler). Returns the folded stacks.
std::map<std::string, std::uint64_t> record(pid_t pid, const std::vector<std::string>& options,
                                            bool check_untraced, std::string& log) {
  const std::string out = make_temp_dir() + "/out.folded";
  std::vector<std::string> argv = {cspy_binary(),       "record", "--pid",
                                   std::to_string(pid), "-o",     out};
  argv.insert(argv.end(), options.begin(), options.end());
  ChildProcess cspy(argv);
  while (cspy.running()) {
    if (check_untraced) {
      EXPECT_EQ(tracer_of(pid, pid), 0) << "the target was traced";
    }
    std::this_thread::sleep_for(20ms);
  }
  const auto code = cspy.wait(60s);
  log = cspy.error_output();
  EXPECT_EQ(code, 0) << log;
  return parse_folded(read_file(out));
}

std::string python_name(const ::testing::TestParamInfo<Python>& info) { return info.param.name; }

}  // namespace cspy::test
