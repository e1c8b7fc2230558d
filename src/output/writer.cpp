// Format selection and dispatch to the writers.
#include "cspy/output/writer.h"

namespace cspy::output {

static bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<Format> format_from_name(const std::string& name) {
  if (name == "folded" || name == "raw") return Format::kFolded;  // raw: py-spy's name
  if (name == "flamegraph" || name == "svg") return Format::kFlamegraph;
  if (name == "speedscope") return Format::kSpeedscope;
  if (name == "pprof") return Format::kPprof;
  return Error(ErrorKind::kUsage,
               "unknown format '" + name + "'; use flamegraph, folded, speedscope or pprof");
}

Result<Format> format_from_path(const std::string& path) {
  if (ends_with(path, ".svg")) return Format::kFlamegraph;
  if (ends_with(path, ".json")) return Format::kSpeedscope;
  if (ends_with(path, ".pb.gz") || ends_with(path, ".pprof")) return Format::kPprof;
  if (ends_with(path, ".folded") || ends_with(path, ".txt") || ends_with(path, ".collapsed"))
    return Format::kFolded;
  return Error(ErrorKind::kUsage,
               "cannot tell the format of '" + path +
                   "' from its extension; pass --format flamegraph|folded|speedscope|pprof");
}

void write_profile(Format format, const aggregate::Profile& profile, const WriteOptions& options,
                   std::ostream& out) {
  switch (format) {
    case Format::kFolded:
      write_folded(profile, options, out);
      return;
    case Format::kFlamegraph:
      write_flamegraph(profile, options, out);
      return;
    case Format::kSpeedscope:
      write_speedscope(profile, options, out);
      return;
    case Format::kPprof:
      write_pprof(profile, options, out);
      return;
  }
}

}  // namespace cspy::output
