// Loading the profiles `report` and `diff` read: a raw sample file (`record --raw`)
// replayed through the pipeline, or (for diff) a folded-stacks text file or a pprof
// profile (gzip), told apart by content; and the --thread/--focus/--exclude filters both commands
// offer.
//   auto filter = aggregate::ProfileFilter::make(spec);  // a bad regex: before any work
//   auto profile = load_profile(path, input);  then  apply_filter(std::move(*profile), *filter)
#pragma once

#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cspy/aggregate/profile.h"
#include "cspy/aggregate/profile_filter.h"
#include "cspy/core/result.h"
#include "cspy/pipeline/interpreter.h"

namespace cspy::cli {

struct InputOptions {
  std::vector<std::string> map_paths;  // --map-path OLD=NEW rules, applied in order
  pipeline::InterpreterOptions interpret;
  bool keep_timeline = false;
};

// Replays the raw sample file at `path`; errors: kBadInput (unreadable, not a raw file),
// kUsage (a bad --map-path rule).
Result<aggregate::Profile> replay_raw_file(const std::string& path, const InputOptions& input);

// A raw sample file (by its magic bytes) replayed, a pprof profile (gzip magic) read, or
// else folded stacks read as one thread.
Result<aggregate::Profile> load_profile(const std::string& path, const InputOptions& input);

// --thread, --focus and --exclude, into `spec`.
void add_filter_options(boost::program_options::options_description& options,
                        aggregate::FilterSpec& spec);

// `profile` itself when `filter` is empty, else the samples it keeps.
Result<aggregate::Profile> apply_filter(aggregate::Profile profile,
                                        const aggregate::ProfileFilter& filter);

}  // namespace cspy::cli
