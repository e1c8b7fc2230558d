// Raw sample files: what a recording captured before unwinding — the target's memory
// maps and every RawSample (registers + stack copy) — so that unwinding and
// symbolization can be replayed later without the process (tests under tests/data/).
// RawFileWriter is a SampleSink that tees samples to a file (complete, or not there at all);
// read_raw_file() loads one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cspy/core/fd_streambuf.h"
#include "cspy/core/result.h"
#include "cspy/core/unique_fd.h"
#include "cspy/sampling/raw_sample.h"

namespace cspy::sampling {

// The first bytes of every raw sample file.
inline constexpr std::string_view kRawFileMagic{"CSPYRAW1", 8};

// A sample read back from a file; its stack bytes stay in the file's mapping.
struct StoredSample {
  RawSample sample;
  std::span<const std::uint8_t> stack;      // the same bytes as sample.stack
  std::vector<std::uint64_t> interp_words;  // sample.interp is set from these on replay
};

// The read-only mapping of a raw file, unmapped when the recording goes.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const void* data, std::size_t size) : data_(data), size_(size) {}
  MappedFile(MappedFile&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();
  const std::uint8_t* data() const { return static_cast<const std::uint8_t*>(data_); }
  std::size_t size() const { return size_; }

 private:
  const void* data_ = nullptr;
  std::size_t size_ = 0;
};

struct RawRecording {
  // What a recording keeps of one process.
  struct ProcessRecord {
    // One maps record and the build-ids written after it (with those of the versions
    // before it that it did not replace): the maps in force from sample `first_sample`
    // (an index into RawRecording::samples) until the next version's.
    struct MapsVersion {
      std::size_t first_sample = 0;
      std::string text;
      std::map<std::uint64_t, std::string> build_ids;
    };
    std::vector<MapsVersion> maps_history;             // in the order written
    std::string maps;                                  // the last maps text written
    std::vector<std::span<const std::uint8_t>> blobs;  // write_blob()'s, in the mapping
    std::map<std::uint64_t, std::string> build_ids;    // module start -> build-id bytes
    std::string perf_map;                              // the JIT's names, /tmp/perf-PID.map
  };
  MappedFile file;  // samples' stacks point into it
  pid_t pid = 0;
  ProcessRecord own;  // of process `pid`
  // --subprocesses: the other processes sampled, by PID (each sample's pid says whose).
  std::map<pid_t, ProcessRecord> children;
  std::map<pid_t, std::string> process_names;  // their comm as the run ended
  std::vector<StoredSample> samples;
  std::vector<std::pair<pid_t, std::uint64_t>> lost;        // (tid, count)
  std::vector<std::pair<pid_t, std::string>> thread_names;  // (tid, comm) as the run ended
  // Kept since pprof output (0 in older files): samples per second per thread, and the
  // wall-clock time the recording started.
  double rate_hz = 0;
  std::uint64_t start_unix_ns = 0;
};

class RawFileWriter final : public SampleSink {
 public:
  // Forwards every sample to `next` after writing it.
  static Result<std::unique_ptr<RawFileWriter>> create(const std::string& path, pid_t pid,
                                                       SampleSink& next);
  void write_maps(const std::string& maps);
  // The build-id of the module whose first mapping starts at `start` (raw bytes).
  void write_build_id(std::uint64_t start, const std::string& build_id);
  // The text of the target's perf map (JIT names), as read at the end.
  void write_perf_map(const std::string& text);
  // Bytes the pipeline keeps for replaying (Python code objects), read back as blobs.
  void write_blob(std::span<const std::uint8_t> bytes);
  void write_thread_name(pid_t tid, const std::string& name);
  // Makes the samples, maps, build-ids, perf map and blobs written next be of process
  // `pid` (--subprocesses); samples select their own process.
  void select_process(pid_t pid);
  void write_process_name(pid_t pid, const std::string& name);
  // The sampling rate and the wall-clock start, for outputs that weigh samples in time and
  // date them (pprof's period and time_nanos).
  void write_info(double rate_hz, std::uint64_t start_unix_ns);
  void on_sample(const RawSample& sample) override;
  void on_lost(pid_t tid, std::uint64_t count) override;
  void on_exec(pid_t pid, std::uint64_t time_ns, const std::string& name) override;
  // Not written: the maps versions written before the samples they name say it all.
  void on_mmap(const MmapEvent& mapping) override { next_.on_mmap(mapping); }
  // Completes the file: flushed, synced and renamed from its temporary name to `path`. On
  // an error (a full disk) the temporary file is removed and nothing is left at `path`.
  Result<void> close();
  // Removes the temporary file of a writer that was never closed.
  ~RawFileWriter() override;
  RawFileWriter(const RawFileWriter&) = delete;
  RawFileWriter& operator=(const RawFileWriter&) = delete;

 private:
  RawFileWriter(std::string path, SampleSink& next) : path_(std::move(path)), next_(next) {}
  std::string path_;
  std::string real_path_;  // path_ with links resolved: where the rename goes
  std::string tmp_path_;   // "" once closed
  SampleSink& next_;
  UniqueFd fd_;                       // the temporary file
  std::unique_ptr<FdStreamBuf> buf_;  // remembers a write's errno (ENOSPC); mode 0600: stacks
  std::ostream out_{nullptr};
  pid_t process_ = 0;  // whose records are written now
};

// Reads a regular file (a FIFO or device is refused at once, never waited on).
Result<RawRecording> read_raw_file(const std::string& path);
// The same from bytes in memory (`name` for messages), which must outlive the result:
// its samples' stacks and blobs point into them. For tests and the fuzzer.
Result<RawRecording> parse_raw_file(std::span<const std::uint8_t> bytes, const std::string& name);

}  // namespace cspy::sampling
