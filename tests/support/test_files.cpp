// Paths, temporary directories, whole files, source markers and folded stacks for tests.
#include "test_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace cspy::test {

std::string cspy_binary() { return std::string(CSPY_BINARY_DIR) + "/cspy"; }

std::string variant_sampler_name(
    const ::testing::TestParamInfo<std::tuple<std::string, std::string>>& info) {
  std::string name = std::get<0>(info.param) + "_" + std::get<1>(info.param);
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

std::string target_binary(const std::string& name) {
  return std::string(CSPY_BINARY_DIR) + "/test_targets/" + name;
}

std::string target_source(const std::string& file) {
  return std::string(CSPY_SOURCE_DIR) + "/test_targets/" + file;
}

std::string make_temp_dir() {
  std::string templ = "/tmp/cspy-test-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) std::abort();
  return templ;
}

std::string make_test_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(CSPY_BINARY_DIR) / "tests" / "tmp" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return !out.fail();
}

int marker_line(const std::string& file, const std::string& marker) {
  std::ifstream in(target_source(file));
  std::string line;
  const std::string tag = "// LINE: " + marker;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.ends_with(tag)) return number;
  }
  ADD_FAILURE() << "no line ends in '" << tag << "' in " << target_source(file);
  return 0;
}

std::map<std::string, std::uint64_t> parse_folded(const std::string& text) {
  std::map<std::string, std::uint64_t> stacks;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    stacks[line.substr(0, space)] += std::stoull(line.substr(space + 1));
  }
  return stacks;
}

std::uint64_t total_samples(const std::map<std::string, std::uint64_t>& stacks) {
  std::uint64_t total = 0;
  for (const auto& [stack, count] : stacks) total += count;
  return total;
}

std::uint64_t count_matching(const std::map<std::string, std::uint64_t>& stacks,
                             const std::string& needle) {
  std::uint64_t n = 0;
  for (const auto& [s, c] : stacks) {
    if (s.find(needle) != std::string::npos) n += c;
  }
  return n;
}

std::string check_golden_file(const std::string& relative_path, const std::string& actual) {
  const std::string path = std::string(CSPY_SOURCE_DIR) + "/tests/data/" + relative_path;
  const char* update = std::getenv("CSPY_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    write_file(path, actual);
    return {};
  }
  if (read_file(path) == actual) return {};
  const std::string name = std::filesystem::path(relative_path).filename().string();
  const std::string saved = make_test_dir("golden_" + name) + "/" + name;
  write_file(saved, actual);
  return "output differs from " + path + "; actual output in " + saved +
         " (regenerate with CSPY_UPDATE_GOLDEN=1 if the change is intended)";
}

std::string regex_escape(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

std::uint64_t pprof_raw_sample_total(const std::string& raw) {
  static const std::regex sample_line(R"(^\s+([0-9]+)\s+[0-9]+: [0-9 ]+$)");
  std::istringstream in(raw);
  std::uint64_t total = 0;
  bool in_samples = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Samples:", 0) == 0) in_samples = true;
    if (line.rfind("Locations", 0) == 0) break;
    std::smatch m;
    if (in_samples && std::regex_match(line, m, sample_line)) total += std::stoull(m[1]);
  }
  return total;
}

}  // namespace cspy::test
