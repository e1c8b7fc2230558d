// `cspy` dispatch: global --help/--version, then one subcommand.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "command.h"
#include "cspy/cli/commands.h"
#include "exit_codes.h"

#ifndef CSPY_VERSION
#define CSPY_VERSION "0.0.0"
#endif
#ifndef CSPY_GIT_REVISION
#define CSPY_GIT_REVISION "unknown"
#endif

namespace cspy::cli {

namespace {

constexpr const char* kUsage =
    "usage: cspy <command> [options] [-- program args]\n"
    "\n"
    "A sampling profiler for running native programs.\n"
    "\n"
    "commands:\n"
    "  record   sample a process and write a flamegraph, folded stacks or speedscope JSON\n"
    "  dump     print every thread's current stack once\n"
    "  top      a live view of the functions a process spends its time in\n"
    "  report   render raw samples saved by `record --raw` again\n"
    "  diff     a differential flamegraph: what changed between two recordings\n"
    "\n"
    "options:\n"
    "  -h, --help     show this help\n"
    "  -V, --version  show the version\n"
    "\n"
    "Run `cspy <command> --help` for a command's options.\n";

}  // namespace

std::string version_line() {
  return fmt::format("cspy {} (git {})", CSPY_VERSION, CSPY_GIT_REVISION);
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    (void)std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string sub = args[0];
  if (sub == "-h" || sub == "--help" || sub == "help") {
    (void)std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (sub == "-V" || sub == "--version") {
    std::puts(version_line().c_str());
    return kExitOk;
  }
  // Split "[options] -- command args".
  std::vector<std::string> options;
  std::vector<std::string> command;
  bool after_dashes = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (!after_dashes && args[i] == "--") {
      after_dashes = true;
    } else {
      (after_dashes ? command : options).push_back(args[i]);
    }
  }
  std::unique_ptr<Command> chosen;
  if (sub == "record") chosen = make_record_command();
  if (sub == "dump") chosen = make_dump_command();
  if (sub == "top") chosen = make_top_command();
  if (sub == "report") chosen = make_report_command();
  if (sub == "diff") chosen = make_diff_command();
  if (chosen) return chosen->execute(options, command);
  (void)std::fprintf(stderr, "cspy: error: unknown %s '%s'; run `cspy --help` for the list\n",
                     sub[0] == '-' ? "option" : "command", sub.c_str());
  return kExitUsage;
}

}  // namespace cspy::cli
