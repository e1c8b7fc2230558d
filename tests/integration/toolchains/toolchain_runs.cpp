// Recording a toolchain's test program by PID, and counting its stacks.
#include "toolchain_runs.h"

#include <sstream>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {

using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Recording record_by_pid(pid_t pid) {
  const std::string out = make_temp_dir() + "/out.folded";
  CommandResult r = run_command({cspy_binary(), "record", "--pid", std::to_string(pid), "-o", out,
                                 "--duration", "2", "--rate", "500"},
                                60s);
  Recording rec;
  rec.exit_code = r.exit_code;
  rec.stacks = parse_folded(read_file(out));
  rec.err = r.err;
  return rec;
}

ChainCount count_chain(const std::map<std::string, std::uint64_t>& stacks,
                       const std::regex& expected) {
  ChainCount c;
  for (const auto& [stack, count] : stacks) {
    c.all += count;
    if (std::regex_match(stack, expected)) {
      c.matching += count;
    } else if (c.others.size() < 3000) {
      c.others += stack + " " + std::to_string(count) + "\n";
    }
    if (stack.starts_with("[unknown]")) c.unknown_roots += count;
  }
  return c;
}

}  // namespace cspy::test
