// record's continuous recording (--every, --upload, --app-name, --tag): the options read
// and checked, the IntervalWriter and Uploader made from them, each finished interval
// handed over after every step of the session, and the closing lines (files written,
// intervals delivered and dropped). record_command.cpp calls it; it prints nothing else.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cspy/continuous/interval_writer.h"
#include "cspy/continuous/uploader.h"
#include "cspy/core/result.h"
#include "cspy/output/writer.h"
#include "cspy/pipeline/session.h"
#include "cspy/process/target.h"

namespace cspy::cli {

struct ContinuousOptions {
  std::string every;  // "30s"; empty: one profile for the whole run
  std::string upload;
  std::string app_name;
  std::vector<std::string> tags;  // KEY=VALUE
  bool enabled() const { return !every.empty(); }
};

void add_continuous_options(boost::program_options::options_description& options,
                            ContinuousOptions& continuous);

// "30s", "5m", "1h", "1.5m", "90" (seconds) in nanoseconds; an Error (kUsage) otherwise,
// or under one second (file names are stamped to the second).
Result<std::uint64_t> parse_every(const std::string& text);

// A message when the continuous options do not go together; nullopt if they do.
std::optional<std::string> continuous_invalid(const ContinuousOptions& options);

// The running output of a continuous recording.
class ContinuousOutput {
 public:
  // Makes the directory -o names (one level, when it ends in '/') and checks it takes
  // files (kBadInput when not), then starts the writer (and uploader) threads. Without -o
  // and --upload, files go to the current directory.
  static Result<std::unique_ptr<ContinuousOutput>> start(
      const ContinuousOptions& options, const std::string& output, output::Format format,
      const output::WriteOptions& write, const process::Target& target, double rate_hz);
  ~ContinuousOutput();

  // Hands every interval the session finished to the writer; prints the upload warning
  // the first time the server fails.
  void drain(pipeline::Session& session);
  // The counters of the intervals handed over so far plus those of `open` (the profile
  // the session is filling), for the status line.
  aggregate::Counters counters_with(const aggregate::Profile& open) const;
  // Waits for the files and (up to a few seconds) the uploads; prints where they went
  // (and `cut_s`, the longest cut on the sampling thread) unless `quiet`. The totals of
  // all intervals.
  aggregate::Counters finish(bool quiet, double cut_s);
  // The first file that could not be written (after finish()).
  const std::optional<Error>& error() const { return error_; }

 private:
  ContinuousOutput() = default;

  std::string where_;  // the directory, for the closing line
  std::string server_;
  std::unique_ptr<continuous::Uploader> uploader_;
  std::unique_ptr<continuous::IntervalWriter> writer_;
  std::optional<Error> error_;
};

}  // namespace cspy::cli
