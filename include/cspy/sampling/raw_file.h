// Raw sample files: what a recording captured before unwinding — the target's memory
// maps and every RawSample (registers + stack copy) — so that unwinding and
// symbolization can be replayed later without the process (tests under tests/data/).
// RawFileWriter is a SampleSink that tees samples to a file; read_raw_file() loads one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cspy/core/result.h"
#include "cspy/sampling/raw_sample.h"

namespace cspy::sampling {

// A sample that owns its stack bytes.
struct StoredSample {
  RawSample sample;  // sample.stack points into `stack`
  std::vector<std::uint8_t> stack;
};

struct RawRecording {
  pid_t pid = 0;
  std::string maps;  // the last maps text written
  std::vector<StoredSample> samples;
  std::vector<std::pair<pid_t, std::uint64_t>> lost;  // (tid, count)
};

class RawFileWriter final : public SampleSink {
 public:
  // Forwards every sample to `next` after writing it.
  static Result<std::unique_ptr<RawFileWriter>> create(const std::string& path, pid_t pid,
                                                       SampleSink& next);
  void write_maps(const std::string& maps);
  void on_sample(const RawSample& sample) override;
  void on_lost(pid_t tid, std::uint64_t count) override;
  Result<void> close();

 private:
  RawFileWriter(std::string path, SampleSink& next) : path_(std::move(path)), next_(next) {}
  std::string path_;
  SampleSink& next_;
  std::ofstream out_;
};

Result<RawRecording> read_raw_file(const std::string& path);

}  // namespace cspy::sampling
