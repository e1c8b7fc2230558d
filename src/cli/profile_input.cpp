// Raw, folded or pprof inputs, remapped paths, and the profile filters' options.
#include "profile_input.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "cspy/aggregate/folded_reader.h"
#include "cspy/output/pprof_reader.h"
#include "cspy/pipeline/replay.h"
#include "cspy/sampling/raw_file.h"

namespace po = boost::program_options;

namespace cspy::cli {

namespace {

// Replaces every OLD prefix of a path in the maps text with NEW.
Result<std::string> remap(std::string maps, const std::vector<std::string>& rules) {
  for (const std::string& rule : rules) {
    auto eq = rule.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error(ErrorKind::kUsage, "--map-path wants OLD=NEW, got '" + rule + "'");
    }
    std::string from = rule.substr(0, eq), to = rule.substr(eq + 1);
    for (auto pos = maps.find(from); pos != std::string::npos;
         pos = maps.find(from, pos + to.size())) {
      maps.replace(pos, from.size(), to);
    }
  }
  return maps;
}

}  // namespace

Result<aggregate::Profile> replay_raw_file(const std::string& path, const InputOptions& input) {
  auto recording = sampling::read_raw_file(path);
  if (!recording) return recording.error();
  if (auto rules = remap({}, input.map_paths); !rules) return rules.error();  // said at once
  aggregate::Profile profile(input.keep_timeline);
  if (recording->samples.empty()) {
    // A recording that ended before its first sample: an empty profile, said so (its maps
    // may name no module at all, which replaying would take for an error).
    (void)std::fprintf(stderr, "cspy: %s holds no samples: the profile is empty\n", path.c_str());
    return profile;
  }
  std::vector<std::string> notices;
  auto replayed =
      pipeline::replay(*recording, profile, input.interpret, &notices,
                       [&input](const std::string& m) { return remap(m, input.map_paths); });
  for (const std::string& n : notices) (void)std::fprintf(stderr, "cspy: warning: %s\n", n.c_str());
  if (!replayed) return replayed.error();
  return profile;
}

Result<aggregate::Profile> load_profile(const std::string& path, const InputOptions& input) {
  // Only regular files: a FIFO would block the open until a writer comes.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    return Error(ErrorKind::kBadInput,
                 path + " is not a regular file (a FIFO, device or directory): give a saved " +
                     "raw, folded or pprof file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return errno_error(ErrorKind::kBadInput, "cannot open " + path);
  std::string text(sampling::kRawFileMagic.size(), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text == sampling::kRawFileMagic) return replay_raw_file(path, input);
  text.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return errno_error(ErrorKind::kBadInput, "cannot read " + path);
  aggregate::Profile profile;
  if (output::looks_like_pprof(text)) {
    if (auto read = output::add_pprof(text, profile); !read) {
      return Error(ErrorKind::kBadInput,
                   path + " is gzip-compressed but not a pprof profile: " + read.error().message());
    }
    return profile;
  }
  if (auto read = aggregate::add_folded_stacks(text, profile); !read) {
    return Error(ErrorKind::kBadInput, path + " is neither a raw sample file nor folded stacks: " +
                                           read.error().message());
  }
  return profile;
}

void add_filter_options(po::options_description& options, aggregate::FilterSpec& spec) {
  options.add_options()("thread", po::value<std::string>(&spec.thread)->value_name("THREAD"),
                        "only the samples of this thread (a TID or a thread name)")(
      "focus", po::value<std::string>(&spec.focus)->value_name("REGEX"),
      "only the stacks through a function matching REGEX")(
      "exclude", po::value<std::string>(&spec.exclude)->value_name("REGEX"),
      "drop the stacks through a function matching REGEX");
}

Result<aggregate::Profile> apply_filter(aggregate::Profile profile,
                                        const aggregate::ProfileFilter& filter) {
  if (filter.empty()) return profile;
  return filter.apply(profile);
}

}  // namespace cspy::cli
