// Command: one subcommand of cspy (record, top, dump, report, diff) as a class. Its options are
// described once, bound to the command's typed fields; the parser and --help both read
// that description. execute() parses, answers --help and bad command lines (exit 2), and
// calls run(). cli.cpp finds the command by name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "options.h"

namespace cspy::cli {

class Command {
 public:
  virtual ~Command() = default;
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;

  virtual const char* name() const = 0;
  // "usage: cspy NAME ...\n\nWhat it does.\n\n", printed above the options by --help.
  virtual const char* usage() const = 0;

  // `args`: the options after the command's name; `program`: what follows "--".
  // Returns the exit code (exit_codes.h).
  int execute(const std::vector<std::string>& args, const std::vector<std::string>& program);

 protected:
  Command() = default;
  // Adds the command's options (after --help, which every command has).
  virtual void describe(boost::program_options::options_description& options) = 0;
  // Other tools' one-letter option names the command also reads (options.h), not in --help.
  virtual std::vector<ShortAlias> short_aliases() const { return {}; }
  // Positional arguments, if the command takes any.
  virtual void describe_positional(boost::program_options::positional_options_description&) {}
  // Runs with the options parsed into the command's fields.
  virtual int run(const std::vector<std::string>& program) = 0;
  // "cspy NAME: MESSAGE; see `cspy NAME --help`" on stderr; returns kExitUsage.
  int usage_error(const std::string& message) const;
};

std::unique_ptr<Command> make_record_command();
std::unique_ptr<Command> make_top_command();
std::unique_ptr<Command> make_dump_command();
std::unique_ptr<Command> make_report_command();
std::unique_ptr<Command> make_diff_command();

}  // namespace cspy::cli
