// Command-line conventions shared by the commands: --help laid out as other tools do
// (`-p, --pid PID   text (default: 100)`), and the pipeline's enums read by name.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cspy/output/writer.h"
#include "cspy/pipeline/session.h"

// Boost.Program_options reads the pipeline's enums by name (found by argument-dependent
// lookup): `--sampler ptrace`, `--unwinder libunwind`; any other name is a usage error.
namespace cspy::pipeline {
void validate(boost::any& value, const std::vector<std::string>& tokens, SamplerKind*, int);
void validate(boost::any& value, const std::vector<std::string>& tokens, UnwinderKind*, int);
}  // namespace cspy::pipeline
namespace cspy::output {
void validate(boost::any& value, const std::vector<std::string>& tokens, Format*, int);
}  // namespace cspy::output

namespace cspy::cli {

// The "options:" block of --help: one entry per option, `-p, --pid PID` (or `--threads`)
// then its description wrapped at 80 columns, with "(default: X)" where it has one. The
// value's name comes from value_name() ("ARG" when unset).
std::string format_options(const boost::program_options::options_description& options);

// How Python frames show, from --python-only, --no-python and --python-internals (record,
// top, dump and report).
struct PythonOptions {
  bool only = false;
  bool none = false;
  bool internals = false;
  bool gil = false;  // --gil: only GIL holders (record and top)
  // A message when the flags contradict each other.
  std::optional<std::string> invalid() const;
  void apply(pipeline::InterpreterOptions& options) const;
};
// --debug-dir DIR (repeatable): where separate debug files are also looked for.
void add_debug_dir_option(boost::program_options::options_description& options,
                          std::vector<std::string>& dirs);
void add_python_options(boost::program_options::options_description& options,
                        PythonOptions& python);
// --gil, for the sampling commands (record, top).
void add_gil_option(boost::program_options::options_description& options, PythonOptions& python);

// Another tool's one-letter form of an option, read as cspy's: {"-F", "-r"} (perf's -F HZ
// for --rate).
struct ShortAlias {
  const char* alias;
  const char* option;
};

// `args` with each alias replaced by its option: "-F" -> "-r", "-F999" -> "-r999"; other
// tokens are left alone.
std::vector<std::string> replace_aliases(std::vector<std::string> args,
                                         const std::vector<ShortAlias>& aliases);

// `--subprocesses`, shared by record and top: also the processes the target starts.
void add_subprocesses_option(boost::program_options::options_description& options,
                             bool& subprocesses);
// The message when --subprocesses goes with an option it cannot serve; nullopt if none.
std::optional<std::string> subprocesses_invalid(bool subprocesses, pipeline::SamplerKind sampler);

// `--sampler SAMPLER` (perf_event or ptrace; default perf_event), shared by record and top.
void add_sampler_option(boost::program_options::options_description& options,
                        pipeline::SamplerKind& sampler);

// `--idle` (wall-clock time: on and off CPU) and `--off-cpu` (off CPU only), shared by
// record and top; both weigh samples in time.
void add_off_cpu_options(boost::program_options::options_description& options,
                         pipeline::SessionOptions& session);

}  // namespace cspy::cli
