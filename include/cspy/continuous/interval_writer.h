// Continuous recording's output, on a thread of its own so that sampling never waits for
// a disk or an encoder: each interval Profile is written to its time-stamped file (any
// format, atomically) and, with an Uploader, encoded for the server and handed to it. A
// bounded queue: an interval that finds `capacity` others waiting drops the oldest
// (counted). Use: push() per interval from the sampling loop; finish(); stats().
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cspy/aggregate/profile.h"
#include "cspy/continuous/ingest_request.h"
#include "cspy/continuous/interval_files.h"
#include "cspy/continuous/uploader.h"
#include "cspy/core/result.h"
#include "cspy/output/writer.h"

namespace cspy::continuous {

struct IntervalOutput {
  std::optional<IntervalFiles> files;  // none: upload only
  output::Format format = output::Format::kPprof;
  output::WriteOptions write;
  Uploader* uploader = nullptr;  // none: files only
  IngestTarget ingest;           // with an uploader
  std::size_t capacity = 8;
};

// `sum` += `counters`, field by field.
void add_counters(aggregate::Counters& sum, const aggregate::Counters& counters);

struct WriterStats {
  std::uint64_t intervals = 0;  // pushed
  std::uint64_t files = 0;      // written
  std::uint64_t dropped = 0;    // the writer fell `capacity` intervals behind
  aggregate::Counters totals;   // of every interval pushed
  std::string last_path;
  std::optional<Error> first_error;  // the first file that could not be written
  double max_write_s = 0;            // the slowest interval: file and upload encoding
};

class IntervalWriter {
 public:
  explicit IntervalWriter(IntervalOutput output);
  IntervalWriter(const IntervalWriter&) = delete;
  IntervalWriter& operator=(const IntervalWriter&) = delete;
  ~IntervalWriter();

  void push(aggregate::Profile interval);
  // Writes what is queued, then stops the thread. Safe to call twice.
  void finish();
  WriterStats stats() const;

 private:
  void run();
  void write(const aggregate::Profile& interval);

  IntervalOutput output_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<aggregate::Profile> queue_;
  bool stopping_ = false;
  WriterStats stats_;
  std::thread thread_;  // last: started when everything above is ready
};

}  // namespace cspy::continuous
