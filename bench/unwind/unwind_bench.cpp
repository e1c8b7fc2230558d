// unwind_bench: times the two unwinding backends (libdw, libunwind) over recorded raw
// sample files and checks that they agree. Per file and backend: µs per sample on the
// first pass of a fresh unwinder (cold: ELF loading, CFI parsing, empty caches) and on
// later passes (warm: best of --passes), mean depth, how stacks ended, and the share of
// samples whose chains are identical in both backends. Not a test; see run.sh.
//   unwind_bench [--passes N] [--map-path OLD=NEW]... [--show-disagreements] FILE.raw[=LABEL]...
#include <time.h>

#include <elfutils/libdwfl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cspy/sampling/raw_file.h"
#include "cspy/unwind/unwinder.h"

namespace {

using namespace cspy;

struct Input {
  std::string path;
  std::string label;
};

struct Args {
  int passes = 5;
  bool show_disagreements = false;
  std::vector<std::pair<std::string, std::string>> map_paths;
  std::vector<Input> inputs;
};

struct BackendRun {
  double cold_us = 0;  // per sample, first pass
  double warm_us = 0;  // per sample, best later pass
  double mean_depth = 0;
  std::size_t complete = 0, truncated = 0, failed = 0;
  std::vector<unwind::UnwoundStack> stacks;  // from the last pass
};

using Factory = Result<std::unique_ptr<unwind::Unwinder>> (*)(modules::ModuleMap&,
                                                              const process::Process*, pid_t,
                                                              const unwind::UnwindOptions&);

double now_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

std::string remap(std::string maps, const Args& args) {
  for (const auto& [from, to] : args.map_paths) {
    for (auto pos = maps.find(from); pos != std::string::npos;
         pos = maps.find(from, pos + to.size())) {
      maps.replace(pos, from.size(), to);
    }
  }
  return maps;
}

// One backend over every sample: a fresh ModuleMap and unwinder, then `passes` passes.
bool run_backend(Factory factory, const sampling::RawRecording& rec, const std::string& maps,
                 int passes, BackendRun& run) {
  auto modules = modules::ModuleMap::create([maps]() -> Result<std::string> { return maps; });
  if (!modules) {
    std::fprintf(stderr, "unwind_bench: %s\n", modules.error().describe().c_str());
    return false;
  }
  auto unwinder = factory(**modules, nullptr, rec.pid, unwind::UnwindOptions{});
  if (!unwinder) {
    std::fprintf(stderr, "unwind_bench: %s\n", unwinder.error().describe().c_str());
    return false;
  }
  const double n = static_cast<double>(rec.samples.size());
  run.stacks.assign(rec.samples.size(), {});
  for (int pass = 0; pass < passes; ++pass) {
    double start = now_us();
    for (std::size_t i = 0; i < rec.samples.size(); ++i)
      (*unwinder)->unwind(rec.samples[i].sample, run.stacks[i]);
    double per_sample = (now_us() - start) / n;
    if (pass == 0) run.cold_us = per_sample;
    if (pass == 1 || (pass > 1 && per_sample < run.warm_us)) run.warm_us = per_sample;
  }
  std::size_t frames = 0;
  for (const auto& s : run.stacks) {
    frames += s.frames.size();
    run.complete += s.end == unwind::StackEnd::kComplete;
    run.truncated += s.end == unwind::StackEnd::kTruncated;
    run.failed += s.end == unwind::StackEnd::kFailed;
  }
  run.mean_depth = static_cast<double>(frames) / n;
  return true;
}

bool same(const unwind::UnwoundStack& a, const unwind::UnwoundStack& b) {
  if (a.end != b.end || a.frames.size() != b.frames.size()) return false;
  for (std::size_t i = 0; i < a.frames.size(); ++i) {
    if (a.frames[i].pc != b.frames[i].pc || a.frames[i].exact != b.frames[i].exact) return false;
  }
  return true;
}

// " pc(function)! ... end=N": `!` marks an exact pc.
std::string describe(modules::ModuleMap& modules, const unwind::UnwoundStack& stack) {
  std::string text;
  for (const auto& f : stack.frames) {
    const char* name = nullptr;
    if (Dwfl_Module* mod = modules.module_at(f.lookup_pc()))
      name = dwfl_module_addrname(mod, f.lookup_pc().value());
    char buf[64];
    std::snprintf(buf, sizeof buf, " %llx", static_cast<unsigned long long>(f.pc.value()));
    text += std::string(buf) + "(" + (name != nullptr ? name : "?") + ")" + (f.exact ? "!" : "");
  }
  return text + " end=" + std::to_string(static_cast<int>(stack.end));
}

void print_row(const std::string& label, std::size_t samples, const char* backend,
               const BackendRun& r, double agree_pct) {
  std::printf("%-12s %7zu  %-9s %9.2f %9.2f %7.1f %6zu %6zu %6zu %8.1f%%\n", label.c_str(), samples,
              backend, r.cold_us, r.warm_us, r.mean_depth, r.complete, r.truncated, r.failed,
              agree_pct);
}

bool bench_file(const Input& input, const Args& args) {
  auto rec = sampling::read_raw_file(input.path);
  if (!rec) {
    std::fprintf(stderr, "unwind_bench: %s\n", rec.error().describe().c_str());
    return false;
  }
  if (rec->samples.empty()) {
    std::fprintf(stderr, "unwind_bench: %s holds no samples\n", input.path.c_str());
    return false;
  }
  const std::string maps = remap(rec->maps, args);
  BackendRun libdw, libunwind;
  if (!run_backend(unwind::make_libdw_unwinder, *rec, maps, args.passes, libdw)) return false;
  if (!run_backend(unwind::make_libunwind_unwinder, *rec, maps, args.passes, libunwind))
    return false;
  std::size_t agree = 0;
  auto names = modules::ModuleMap::create([maps]() -> Result<std::string> { return maps; });
  for (std::size_t i = 0; i < rec->samples.size(); ++i) {
    if (same(libdw.stacks[i], libunwind.stacks[i])) {
      ++agree;
    } else if (args.show_disagreements && names) {
      std::fprintf(stderr, "%s sample %zu:\n  libdw    %s\n  libunwind%s\n", input.label.c_str(), i,
                   describe(**names, libdw.stacks[i]).c_str(),
                   describe(**names, libunwind.stacks[i]).c_str());
    }
  }
  double agree_pct = 100.0 * static_cast<double>(agree) / static_cast<double>(rec->samples.size());
  print_row(input.label, rec->samples.size(), "libdw", libdw, agree_pct);
  print_row(input.label, rec->samples.size(), "libunwind", libunwind, agree_pct);
  return true;
}

bool parse_args(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--passes" && i + 1 < argc) {
      args.passes = std::max(2, std::atoi(argv[++i]));
    } else if (a == "--show-disagreements") {
      args.show_disagreements = true;
    } else if (a == "--map-path" && i + 1 < argc) {
      std::string rule = argv[++i];
      auto eq = rule.find('=');
      if (eq == std::string::npos) return false;
      args.map_paths.emplace_back(rule.substr(0, eq), rule.substr(eq + 1));
    } else if (!a.empty() && a[0] != '-') {
      auto eq = a.find('=');
      std::string path = a.substr(0, eq);
      std::string label =
          eq == std::string::npos ? path.substr(path.find_last_of('/') + 1) : a.substr(eq + 1);
      args.inputs.push_back(Input{path, label});
    } else {
      return false;
    }
  }
  return !args.inputs.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: unwind_bench [--passes N] [--map-path OLD=NEW]... [--show-disagreements] "
                 "FILE.raw[=LABEL]...\n");
    return 2;
  }
  std::printf("%-12s %7s  %-9s %9s %9s %7s %6s %6s %6s %9s\n", "recording", "samples", "backend",
              "cold_us", "warm_us", "depth", "compl", "trunc", "failed", "agree");
  bool ok = true;
  for (const Input& input : args.inputs) ok = bench_file(input, args) && ok;
  return ok ? 0 : 1;
}
