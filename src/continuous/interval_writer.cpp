// The IntervalWriter's thread: file first, then the upload's encoding.
#include "cspy/continuous/interval_writer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <sstream>

#include "cspy/output/output_file.h"

namespace cspy::continuous {

void add_counters(aggregate::Counters& sum, const aggregate::Counters& c) {
  sum.samples += c.samples;
  sum.lost += c.lost;
  sum.unwind_failures += c.unwind_failures;
  sum.unwind_failures_in_jit += c.unwind_failures_in_jit;
  sum.truncated += c.truncated;
  sum.idle += c.idle;
}

namespace {

std::string encode(const aggregate::Profile& profile, IngestFormat format,
                   const output::WriteOptions& options) {
  std::ostringstream out;
  if (format == IngestFormat::kPprof) {
    output::write_pprof(profile, options, out);
  } else {
    output::write_folded(profile, options, out);
  }
  return std::move(out).str();
}

}  // namespace

IntervalWriter::IntervalWriter(IntervalOutput output)
    : output_(std::move(output)), thread_([this] { run(); }) {}

IntervalWriter::~IntervalWriter() { finish(); }

void IntervalWriter::push(aggregate::Profile interval) {
  {
    std::lock_guard lock(mutex_);
    ++stats_.intervals;
    add_counters(stats_.totals, interval.counters());
    if (queue_.size() >= output_.capacity) {
      queue_.pop_front();
      ++stats_.dropped;
    }
    queue_.push_back(std::move(interval));
  }
  wake_.notify_all();
}

void IntervalWriter::write(const aggregate::Profile& interval) {
  const auto began = std::chrono::steady_clock::now();
  const aggregate::RecordingInfo& info = interval.info();
  const auto duration_ns = static_cast<std::uint64_t>(std::llround(info.duration_s * 1e9));
  if (output_.files) {
    const std::string path = interval_path(*output_.files, info.start_unix_ns);
    auto written = output::write_file_atomically(path, [&](std::ostream& out) {
      output::write_profile(output_.format, interval, output_.write, out);
    });
    std::lock_guard lock(mutex_);
    if (written) {
      ++stats_.files;
      stats_.last_path = path;
    } else if (!stats_.first_error) {
      stats_.first_error = written.error();
    }
  }
  if (output_.uploader != nullptr) {
    try {
      std::string data = encode(interval, output_.ingest.format, output_.write);
      output_.uploader->push(ingest_request(output_.ingest, info.start_unix_ns,
                                            info.start_unix_ns + duration_ns, data));
    } catch (const std::exception& e) {  // the encoder's: counted with the files' errors
      std::lock_guard lock(mutex_);
      if (!stats_.first_error) stats_.first_error = Error(ErrorKind::kBadInput, e.what());
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::lock_guard lock(mutex_);
  stats_.max_write_s = std::max(stats_.max_write_s, seconds);
}

void IntervalWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping, and everything written
    aggregate::Profile interval = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    write(interval);
    lock.lock();
  }
}

void IntervalWriter::finish() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

WriterStats IntervalWriter::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace cspy::continuous
