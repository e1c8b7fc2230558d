// The build variants of each target, checked with readelf, objdump and gdb: ELF type (PIE or
// not), frame-pointer prologues, and the stripped build's debug info found through its
// .gnu_debuglink and through the build-id directory.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace cspy::test {
namespace {

namespace fs = std::filesystem;

struct TargetCase {
  const char* name;
  const char* function;  // a noinline function checked for its prologue and line info
};

void PrintTo(const TargetCase& c, std::ostream* out) { *out << c.name << ":" << c.function; }

class Variants : public ::testing::TestWithParam<TargetCase> {
 protected:
  std::string path(const std::string& suffix = "") const {
    return target_binary(GetParam().name + suffix);
  }
};

std::string output_of(const std::vector<std::string>& argv) {
  const CommandResult result = run_command(argv, kCommandTimeout, Stderr::kDiscard);
  EXPECT_EQ(result.exit_code, 0) << argv[0] << " " << argv.back();
  return result.out;
}

std::string elf_type(const std::string& file) {
  std::smatch match;
  const std::string header = output_of({kReadelf, "-h", file});
  return std::regex_search(header, match, std::regex(R"(Type:\s+(\w+))")) ? match[1].str() : "";
}

bool has_section(const std::string& file, const std::string& section) {
  const std::string sections = output_of({kReadelf, "-S", "-W", file});
  return sections.find(" " + section + " ") != std::string::npos;
}

std::optional<std::string> build_id(const std::string& file) {
  std::smatch match;
  const std::string notes = output_of({kReadelf, "-n", file});
  if (!std::regex_search(notes, match, std::regex("Build ID: ([0-9a-f]+)"))) return std::nullopt;
  return match[1].str();
}

// The first `count` instructions of `function` (demangled, no parameters), endbr64 skipped.
std::vector<std::string> first_instructions(const std::string& file, const std::string& function,
                                            std::size_t count) {
  const std::string listing = output_of({kObjdump, "-d", "-C", "--no-show-raw-insn", file});
  std::istringstream in(listing);
  std::string line;
  const std::string header = "<" + function + "(";
  while (std::getline(in, line) && line.find(header) == std::string::npos) {
  }
  std::vector<std::string> instructions;
  while (instructions.size() < count && std::getline(in, line) && !line.empty()) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::string instruction = std::regex_replace(line.substr(tab + 1), std::regex(R"(\s+)"), " ");
    if (instruction.rfind("endbr64", 0) != 0) instructions.push_back(instruction);
  }
  return instructions;
}

// `push %rbp` first, then `mov %rsp,%rbp` (the scheduler may put an instruction between).
bool sets_up_frame_pointer(const std::vector<std::string>& instructions) {
  return !instructions.empty() && instructions[0] == "push %rbp" &&
         std::find(instructions.begin(), instructions.end(), "mov %rsp,%rbp") != instructions.end();
}

std::string join(const std::vector<std::string>& instructions) {
  std::string text;
  for (const std::string& instruction : instructions) text += instruction + "; ";
  return text;
}

// `info line <function>` in gdb, after the -iex commands: "file:line", or "" if unresolved.
std::string gdb_info_line(const std::string& file, const std::string& function,
                          const std::vector<std::string>& early_commands = {}) {
  std::vector<std::string> argv = {kGdb, "-batch", "-nx", "-iex", "set debuginfod enabled off"};
  for (const std::string& command : early_commands) {
    argv.push_back("-iex");
    argv.push_back(command);
  }
  argv.insert(argv.end(), {"-ex", "info line " + function, file});
  const CommandResult result = run_command(argv, kCommandTimeout, Stderr::kMerge);
  std::smatch match;
  if (!std::regex_search(result.out, match,
                         std::regex(R"re(Line (\d+) of "([^"]+)" starts at address)re"))) {
    return "";
  }
  return match[2].str() + ":" + match[1].str();
}

TEST_P(Variants, OnlyTheNopieBuildIsAFixedAddressExecutable) {
  EXPECT_EQ(elf_type(path()), "DYN");
  EXPECT_EQ(elf_type(path("-fp")), "DYN");
  EXPECT_EQ(elf_type(path("-stripped")), "DYN");
  EXPECT_EQ(elf_type(path("-nopie")), "EXEC");
}

TEST_P(Variants, OnlyTheFpBuildSetsUpAFramePointer) {
  constexpr std::size_t kLook = 6;
  const auto plain = first_instructions(path(), GetParam().function, kLook);
  const auto with_fp = first_instructions(path("-fp"), GetParam().function, kLook);
  ASSERT_EQ(plain.size(), kLook) << GetParam().function << " not found in " << path();
  ASSERT_EQ(with_fp.size(), kLook) << GetParam().function << " not found in " << path("-fp");
  EXPECT_FALSE(sets_up_frame_pointer(plain)) << join(plain);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), "mov %rsp,%rbp"), 0) << join(plain);
  EXPECT_TRUE(sets_up_frame_pointer(with_fp)) << join(with_fp);
}

TEST_P(Variants, StrippedBuildKeepsItsDebugInfoApart) {
  const std::string stripped = path("-stripped");
  const std::string debug_file = stripped + ".debug";
  EXPECT_TRUE(has_section(path(), ".debug_info"));
  EXPECT_FALSE(has_section(stripped, ".debug_info"));
  EXPECT_FALSE(has_section(stripped, ".symtab"));
  EXPECT_TRUE(has_section(stripped, ".gnu_debuglink"));
  EXPECT_TRUE(has_section(debug_file, ".debug_info"));
  EXPECT_TRUE(has_section(debug_file, ".symtab"));

  const auto id = build_id(stripped);
  ASSERT_TRUE(id.has_value());
  ASSERT_GT(id->size(), 2u);
  EXPECT_EQ(build_id(debug_file), id);
  const fs::path by_id =
      fs::path(kDebugFileDir) / ".build-id" / id->substr(0, 2) / (id->substr(2) + ".debug");
  ASSERT_TRUE(fs::exists(by_id)) << by_id;
  EXPECT_EQ(build_id(by_id.string()), id);
}

TEST_P(Variants, GdbFindsTheStrippedBuildsLinesThroughItsDebuglink) {
  CSPY_REQUIRE_TOOL(have_program(kGdb), "gdb not found");
  const std::string line = gdb_info_line(path(), GetParam().function);
  EXPECT_NE(line, "");
  EXPECT_EQ(gdb_info_line(path("-stripped"), GetParam().function), line);
}

TEST_P(Variants, GdbFindsTheStrippedBuildsLinesThroughTheBuildIdDirectory) {
  CSPY_REQUIRE_TOOL(have_program(kGdb), "gdb not found");
  // A copy without its .debug file beside it: only the build-id directory can help.
  const fs::path dir = make_temp_dir();
  const fs::path copy = dir / (std::string(GetParam().name) + "-stripped");
  fs::copy_file(path("-stripped"), copy, fs::copy_options::overwrite_existing);
  const std::string line = gdb_info_line(path(), GetParam().function);
  const std::string without = gdb_info_line(
      copy.string(), GetParam().function, {"set debug-file-directory " + (dir / "none").string()});
  const std::string with =
      gdb_info_line(copy.string(), GetParam().function,
                    {std::string("set debug-file-directory ") + kDebugFileDir});
  fs::remove_all(dir);
  EXPECT_EQ(without, "");
  EXPECT_NE(line, "");
  EXPECT_EQ(with, line);
}

INSTANTIATE_TEST_SUITE_P(Targets, Variants,
                         ::testing::Values(TargetCase{"julia", "calculate_z_serial_purepython"},
                                           TargetCase{"hashtable", "probe"},
                                           TargetCase{"chain", "leaf"}),
                         [](const auto& test_info) { return std::string(test_info.param.name); });

}  // namespace
}  // namespace cspy::test
