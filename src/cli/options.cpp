// Reading the pipeline's enums from the command line, and the layout of --help.
#include "options.h"

#include <sstream>
#include <string_view>
#include <utility>

namespace po = boost::program_options;

namespace cspy::pipeline {

namespace {
// The one value of `tokens` as one of `names` (name -> enum), or a validation error.
// The one value of `tokens` as one of `names`; else "--option must be a or b, not 'c'".
template <typename Enum>
Enum parse_enum(const boost::any& value, const std::vector<std::string>& tokens, const char* option,
                std::initializer_list<std::pair<const char*, Enum>> names) {
  po::validators::check_first_occurrence(value);
  const std::string& token = po::validators::get_single_string(tokens);
  std::string choices;
  for (const auto& [name, kind] : names) {
    if (token == name) return kind;
    choices += choices.empty() ? name : std::string(" or ") + name;
  }
  throw po::error(std::string(option) + " must be " + choices + ", not '" + token + "'");
}
}  // namespace

void validate(boost::any& value, const std::vector<std::string>& tokens, SamplerKind*, int) {
  value = parse_enum<SamplerKind>(
      value, tokens, "--sampler",
      {{"perf_event", SamplerKind::kPerfEvent}, {"ptrace", SamplerKind::kPtrace}});
}

void validate(boost::any& value, const std::vector<std::string>& tokens, UnwinderKind*, int) {
  value = parse_enum<UnwinderKind>(
      value, tokens, "--unwinder",
      {{"libdw", UnwinderKind::kLibdw}, {"libunwind", UnwinderKind::kLibunwind}});
}

}  // namespace cspy::pipeline

namespace cspy::output {

void validate(boost::any& value, const std::vector<std::string>& tokens, Format*, int) {
  po::validators::check_first_occurrence(value);
  auto format = format_from_name(po::validators::get_single_string(tokens));
  if (!format) throw po::error(format.error().message());
  value = *format;
}

}  // namespace cspy::output

namespace cspy::cli {

namespace {

constexpr std::size_t kDescriptionColumn = 28;
constexpr std::size_t kWidth = 80;

// "HZ (=100)" -> {"HZ", "100"}; "PID" -> {"PID", ""}.
std::pair<std::string, std::string> split_parameter(const std::string& parameter) {
  const auto open = parameter.find(" (=");
  if (open == std::string::npos) return {parameter, ""};
  std::string value = parameter.substr(open + 3);
  if (!value.empty() && value.back() == ')') value.pop_back();
  return {parameter.substr(0, open), value};
}

// Appends `text` word by word, wrapped at kWidth, continuation lines at kDescriptionColumn.
void append_wrapped(std::string& out, std::size_t column, const std::string& text) {
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    if (column > kDescriptionColumn && column + 1 + word.size() > kWidth) {
      out += "\n" + std::string(kDescriptionColumn, ' ');
      column = kDescriptionColumn;
    } else if (column > kDescriptionColumn) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
}

}  // namespace

std::string format_options(const po::options_description& options) {
  std::string out;
  for (const auto& option : options.options()) {
    const std::string short_form =
        option->canonical_display_name(po::command_line_style::allow_dash_for_short);
    std::string entry = "  ";
    if (short_form.size() == 2 && short_form[0] == '-') entry += short_form + ", ";
    entry += "--" + option->long_name();
    std::string text = option->description();
    if (option->semantic()->max_tokens() > 0) {
      auto [value_name, default_value] = split_parameter(option->format_parameter());
      entry += " " + (value_name == "arg" ? std::string("ARG") : value_name);
      if (!default_value.empty()) text += " (default: " + default_value + ")";
    }
    out += entry;
    std::size_t column = entry.size();
    if (column + 2 > kDescriptionColumn) {
      out += "\n" + std::string(kDescriptionColumn, ' ');
    } else {
      out += std::string(kDescriptionColumn - column, ' ');
    }
    append_wrapped(out, kDescriptionColumn, text);
    out += "\n";
  }
  return out;
}

std::vector<std::string> replace_aliases(std::vector<std::string> args,
                                         const std::vector<ShortAlias>& aliases) {
  for (std::string& arg : args) {
    for (const auto& [alias, option] : aliases) {
      if (arg.rfind(alias, 0) == 0) {
        arg = option + arg.substr(std::string_view(alias).size());
        break;
      }
    }
  }
  return args;
}

void add_sampler_option(po::options_description& options, pipeline::SamplerKind& sampler) {
  options.add_options()("sampler",
                        po::value<pipeline::SamplerKind>(&sampler)
                            ->default_value(pipeline::SamplerKind::kPerfEvent, "perf_event")
                            ->value_name("SAMPLER"),
                        "perf_event, or ptrace (fallback where perf_event is refused)");
}

void add_subprocesses_option(po::options_description& options, bool& subprocesses) {
  options.add_options()("subprocesses", po::bool_switch(&subprocesses),
                        "also sample every process the target starts, and its existing "
                        "children; each stack under a root frame 'name (PID)' (perf_event "
                        "sampler)");
}

std::optional<std::string> subprocesses_invalid(bool subprocesses, pipeline::SamplerKind sampler) {
  if (subprocesses && sampler == pipeline::SamplerKind::kPtrace)
    return "--subprocesses needs the perf_event sampler, not --sampler ptrace";
  return std::nullopt;
}

void add_off_cpu_options(po::options_description& options, pipeline::SessionOptions& session) {
  options.add_options()(
      "idle", po::bool_switch(&session.idle),
      "also sample threads off CPU (blocked): wall-clock time, each off-CPU stack weighted by the "
      "time until the thread ran again and ending in the system call it waited in")(
      "off-cpu", po::bool_switch()->notifier([&session](bool on) {
        if (!on) return;
        session.idle = true;
        session.interpreter.off_cpu_only = true;
      }),
      "only the time threads spent blocked off CPU (as --idle, without the on-CPU samples)");
}

std::optional<std::string> PythonOptions::invalid() const {
  if (only && none) return "--python-only and --no-python contradict each other";
  return std::nullopt;
}

void PythonOptions::apply(pipeline::InterpreterOptions& options) const {
  options.python = none   ? pipeline::PythonView::kNative
                   : only ? pipeline::PythonView::kPythonOnly
                          : pipeline::PythonView::kMerged;
  options.python_internals = internals;
  options.gil_only = gil;
}

void add_gil_option(po::options_description& options, PythonOptions& python) {
  options.add_options()("gil", po::bool_switch(&python.gil),
                        "CPython targets: only samples of threads holding the GIL; the others "
                        "count under [python: without the GIL]");
}

void add_debug_dir_option(po::options_description& options, std::vector<std::string>& dirs) {
  options.add_options()(
      "debug-dir", po::value<std::vector<std::string>>(&dirs)->value_name("DIR"),
      "also look for separate debug files in DIR (its .build-id/xx/yyyy.debug tree, or by "
      ".gnu_debuglink name), before /usr/lib/debug; may be repeated. debuginfod is asked too "
      "when DEBUGINFOD_URLS is set");
}

void add_python_options(po::options_description& options, PythonOptions& python) {
  options.add_options()("python-only", po::bool_switch(&python.only),
                        "CPython targets: Python frames only, no native frames (py-spy's view)")(
      "no-python", po::bool_switch(&python.none),
      "CPython targets: native frames only, as unwound (_PyEval_EvalFrameDefault ...)")(
      "python-internals", po::bool_switch(&python.internals),
      "CPython targets: keep the interpreter's own frames around Python frames "
      "(_PyObject_MakeTpCall, PyObject_Vectorcall, Py_RunMain ...), hidden by default");
}

}  // namespace cspy::cli
