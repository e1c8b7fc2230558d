// The raw sample file format (little-endian, x86-64):
//   "CSPYRAW1" u32 pid, then records: u8 type followed by
//   1 sample: u32 tid, u64 time_ns, u8 flags (1 has_regs, 2 idle), u64 regs[17], u32 n, n stack
//   bytes 2 lost:   u32 tid, u64 count 3 maps:   u32 n, n bytes of /proc/PID/maps text (in
//   force for the samples after it) 4 interp: u32 n, n u64 words a CaptureHook read with the sample
//   before it 5 blob: u32 n, n bytes the pipeline kept for replaying (Python code objects) 6 thread
//   name: u32 tid, u32 n, n bytes (its comm at the end of the run) 7 info: f64 samples per second
//   per thread, u64 wall-clock start (Unix ns) (absent in older files) 8 build-id: u64 start, u32
//   n, n bytes (the build-id of the module whose first mapping
//     starts at `start`, read from memory with the maps before it, until replaced)
//   9 perf map: u32 n, n bytes (the text of the target's /tmp/perf-PID.map, JIT names)
//   10 off CPU: u64 nanoseconds off CPU, i32 system call (-1 unknown), i32 the TID holding
//      the mutex it waited for (0 unknown), of the sample before it (absent: one sampling
//      interval, unknown system call)
//   14 process: u32 pid (--subprocesses: the samples, maps, build-ids, perf map and blobs
//      after it are of process `pid`, until the next; before the first, of the header's)
//   15 process name: u32 pid, u32 n, n bytes (its comm at the end of the run)
#include "cspy/sampling/raw_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "cspy/core/unique_fd.h"

namespace cspy::sampling {

namespace {

enum : std::uint8_t {
  kSample = 1,
  kLost = 2,
  kMaps = 3,
  kInterp = 4,
  kBlob = 5,
  kThreadName = 6,
  kInfo = 7,
  kBuildId = 8,
  kPerfMap = 9,
  kOffCpu = 10,
  kProcess = 14,
  kProcessName = 15
};
constexpr std::uint32_t kMaxInterpWords = 1U << 16;

template <typename T>
void put(std::ostream& out, const T& v) {
  out.write(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace

Result<std::unique_ptr<RawFileWriter>> RawFileWriter::create(const std::string& path, pid_t pid,
                                                             SampleSink& next) {
  // Written under a temporary name in the same directory and renamed by close(): a full
  // disk or a crash never leaves a truncated file under `path`. A link is followed.
  std::string real = path;
  if (char* resolved = ::realpath(path.c_str(), nullptr); resolved != nullptr) {
    real = resolved;
    std::free(resolved);
  }
  std::string tmp = real + ".tmp.XXXXXX";
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd.valid()) return errno_error(ErrorKind::kBadInput, "cannot write " + path);
  std::unique_ptr<RawFileWriter> w(new RawFileWriter(path, next));
  w->real_path_ = std::move(real);
  w->tmp_path_ = std::move(tmp);
  w->buf_ = std::make_unique<FdStreamBuf>(fd.get());
  w->fd_ = std::move(fd);
  w->out_.rdbuf(w->buf_.get());
  w->out_.write(kRawFileMagic.data(), static_cast<std::streamsize>(kRawFileMagic.size()));
  put(w->out_, static_cast<std::uint32_t>(pid));
  w->process_ = pid;
  return w;
}

RawFileWriter::~RawFileWriter() {
  if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
}

void RawFileWriter::select_process(pid_t pid) {
  if (pid == process_) return;
  process_ = pid;
  put(out_, kProcess);
  put(out_, static_cast<std::uint32_t>(pid));
}

void RawFileWriter::write_process_name(pid_t pid, const std::string& name) {
  put(out_, kProcessName);
  put(out_, static_cast<std::uint32_t>(pid));
  put(out_, static_cast<std::uint32_t>(name.size()));
  out_.write(name.data(), static_cast<std::streamsize>(name.size()));
}

void RawFileWriter::write_maps(const std::string& maps) {
  put(out_, kMaps);
  put(out_, static_cast<std::uint32_t>(maps.size()));
  out_.write(maps.data(), static_cast<std::streamsize>(maps.size()));
}

void RawFileWriter::write_build_id(std::uint64_t start, const std::string& build_id) {
  put(out_, kBuildId);
  put(out_, start);
  put(out_, static_cast<std::uint32_t>(build_id.size()));
  out_.write(build_id.data(), static_cast<std::streamsize>(build_id.size()));
}

void RawFileWriter::write_perf_map(const std::string& text) {
  put(out_, kPerfMap);
  put(out_, static_cast<std::uint32_t>(text.size()));
  out_.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void RawFileWriter::write_blob(std::span<const std::uint8_t> bytes) {
  put(out_, kBlob);
  put(out_, static_cast<std::uint32_t>(bytes.size()));
  out_.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

void RawFileWriter::write_info(double rate_hz, std::uint64_t start_unix_ns) {
  put(out_, kInfo);
  put(out_, rate_hz);
  put(out_, start_unix_ns);
}

void RawFileWriter::write_thread_name(pid_t tid, const std::string& name) {
  put(out_, kThreadName);
  put(out_, static_cast<std::uint32_t>(tid));
  put(out_, static_cast<std::uint32_t>(name.size()));
  out_.write(name.data(), static_cast<std::streamsize>(name.size()));
}

void RawFileWriter::on_sample(const RawSample& s) {
  if (s.pid != 0) select_process(s.pid);
  put(out_, kSample);
  put(out_, static_cast<std::uint32_t>(s.tid));
  put(out_, s.time_ns);
  put(out_, static_cast<std::uint8_t>((s.has_regs ? 1 : 0) | (s.idle ? 2 : 0)));
  for (std::uint64_t r : s.regs.dwarf) put(out_, r);
  put(out_, static_cast<std::uint32_t>(s.stack.size()));
  out_.write(reinterpret_cast<const char*>(s.stack.data()),
             static_cast<std::streamsize>(s.stack.size()));
  if (!s.interp.empty()) {
    put(out_, kInterp);
    put(out_, static_cast<std::uint32_t>(s.interp.size()));
    out_.write(reinterpret_cast<const char*>(s.interp.data()),
               static_cast<std::streamsize>(s.interp.size_bytes()));
  }
  if (s.idle && (s.off_cpu_ns != 0 || s.syscall >= 0)) {
    put(out_, kOffCpu);
    put(out_, s.off_cpu_ns);
    put(out_, s.syscall);
    put(out_, static_cast<std::int32_t>(s.lock_holder));
  }
  next_.on_sample(s);
}

void RawFileWriter::on_lost(pid_t tid, std::uint64_t count) {
  put(out_, kLost);
  put(out_, static_cast<std::uint32_t>(tid));
  put(out_, count);
  next_.on_lost(tid, count);
}

void RawFileWriter::on_exec(pid_t pid, std::uint64_t time_ns, const std::string& name) {
  next_.on_exec(pid, time_ns, name);
}

Result<void> RawFileWriter::close() {
  if (tmp_path_.empty()) return {};
  out_.flush();
  int err = out_ ? 0 : (buf_->error() != 0 ? buf_->error() : EIO);
  // Durable before the rename, so that the name never points at a partial file.
  if (err == 0 && ::fsync(fd_.get()) != 0) err = errno;
  fd_ = UniqueFd();
  if (err == 0 && ::rename(tmp_path_.c_str(), real_path_.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp_path_.c_str());
    tmp_path_.clear();
    return Error(ErrorKind::kBadInput,
                 "cannot write the raw file " + path_ + " (nothing was left under that name)", err);
  }
  tmp_path_.clear();
  return {};
}

// The temporary takes other's mapping and leaves with ours, unmapping it; a self-move
// hands the mapping back and forth and keeps it.
MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  MappedFile taken(std::move(other));
  std::swap(data_, taken.data_);
  std::swap(size_, taken.size_);
  return *this;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<void*>(data_), size_);
}

namespace {

// Reads the records of a mapped raw file without copying the stacks.
class Cursor {
 public:
  Cursor(const std::uint8_t* p, const std::uint8_t* end) : p_(p), end_(end) {}
  template <typename T>
  bool get(T& v) {
    if (static_cast<std::size_t>(end_ - p_) < sizeof v) return false;
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
    return true;
  }
  bool bytes(std::size_t n, std::span<const std::uint8_t>& out) {
    if (static_cast<std::size_t>(end_ - p_) < n) return false;
    out = std::span<const std::uint8_t>(p_, n);
    p_ += n;
    return true;
  }
  bool at_end() const { return p_ == end_; }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

bool read_sample(Cursor& in, pid_t pid, StoredSample& s) {
  std::uint32_t tid = 0, n = 0;
  std::uint8_t flags = 0;
  if (!in.get(tid) || !in.get(s.sample.time_ns) || !in.get(flags)) return false;
  for (std::uint64_t& r : s.sample.regs.dwarf) {
    if (!in.get(r)) return false;
  }
  if (!in.get(n) || n > (1u << 20) || !in.bytes(n, s.stack)) return false;
  s.sample.pid = pid;
  s.sample.tid = static_cast<pid_t>(tid);
  s.sample.has_regs = (flags & 1) != 0;
  s.sample.idle = (flags & 2) != 0;
  s.sample.stack = s.stack;
  return true;
}

}  // namespace

Result<RawRecording> read_raw_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO with no writer must not hang; only regular files are read.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0)
    return errno_error(ErrorKind::kBadInput, "cannot read " + path);
  if (!S_ISREG(st.st_mode)) {
    return Error(ErrorKind::kBadInput,
                 path + " is not a regular file (a FIFO, device or directory): give the file " +
                     "`cspy record --raw` wrote");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < kRawFileMagic.size() + 4)
    return Error(ErrorKind::kBadInput, path + " is not a cspy raw sample file");
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (data == MAP_FAILED) return errno_error(ErrorKind::kBadInput, "cannot map " + path);
  MappedFile file(data, size);
  auto rec = parse_raw_file({file.data(), size}, path);
  if (rec) rec->file = std::move(file);
  return rec;
}

Result<RawRecording> parse_raw_file(std::span<const std::uint8_t> file, const std::string& name) {
  const std::string& path = name;
  RawRecording rec;
  Cursor in(file.data(), file.data() + file.size());
  std::span<const std::uint8_t> magic;
  std::uint32_t pid = 0;
  if (!in.bytes(kRawFileMagic.size(), magic) ||
      std::memcmp(magic.data(), kRawFileMagic.data(), kRawFileMagic.size()) != 0 || !in.get(pid)) {
    return Error(ErrorKind::kBadInput, path + " is not a cspy raw sample file");
  }
  rec.pid = static_cast<pid_t>(pid);
  pid_t current = rec.pid;  // whose samples and maps the records are (record 14)
  // The per-process records of the current process: the header's own, or a child's.
  auto process_record = [&]() -> RawRecording::ProcessRecord& {
    return current == rec.pid ? rec.own : rec.children[current];
  };
  auto corrupt = [&] { return Error(ErrorKind::kBadInput, path + " is truncated or corrupt"); };
  std::uint8_t type = 0;
  while (in.get(type)) {
    if (type == kSample) {
      StoredSample s;
      if (!read_sample(in, current, s)) return corrupt();
      rec.samples.push_back(s);
    } else if (type == kLost) {
      std::uint32_t tid = 0;
      std::uint64_t count = 0;
      if (!in.get(tid) || !in.get(count)) return corrupt();
      rec.lost.emplace_back(static_cast<pid_t>(tid), count);
    } else if (type == kInterp) {
      std::uint32_t n = 0;
      std::span<const std::uint8_t> words;
      if (rec.samples.empty() || !in.get(n) || n > kMaxInterpWords ||
          !in.bytes(std::size_t{n} * 8, words)) {
        return corrupt();
      }
      auto& out = rec.samples.back().interp_words;
      out.resize(n);
      // An empty record is valid, and memcpy may not be given its null pointers.
      if (n > 0) std::memcpy(out.data(), words.data(), words.size());
    } else if (type == kOffCpu) {
      std::int32_t holder = 0;
      if (rec.samples.empty() || !in.get(rec.samples.back().sample.off_cpu_ns) ||
          !in.get(rec.samples.back().sample.syscall) || !in.get(holder)) {
        return corrupt();
      }
      rec.samples.back().sample.lock_holder = static_cast<pid_t>(holder);
    } else if (type == kBlob) {
      std::uint32_t n = 0;
      std::span<const std::uint8_t> bytes;
      if (!in.get(n) || !in.bytes(n, bytes)) return corrupt();
      process_record().blobs.push_back(bytes);
    } else if (type == kMaps) {
      std::uint32_t n = 0;
      std::span<const std::uint8_t> text;
      if (!in.get(n) || !in.bytes(n, text)) return corrupt();
      auto& record = process_record();
      record.maps.assign(reinterpret_cast<const char*>(text.data()), text.size());
      record.maps_history.push_back({.first_sample = rec.samples.size(),
                                     .text = record.maps,
                                     .build_ids = record.maps_history.empty()
                                                      ? std::map<std::uint64_t, std::string>{}
                                                      : record.maps_history.back().build_ids});
    } else if (type == kThreadName) {
      std::uint32_t tid = 0, n = 0;
      std::span<const std::uint8_t> text;
      if (!in.get(tid) || !in.get(n) || !in.bytes(n, text)) return corrupt();
      rec.thread_names.emplace_back(static_cast<pid_t>(tid),
                                    std::string(reinterpret_cast<const char*>(text.data()), n));
    } else if (type == kInfo) {
      if (!in.get(rec.rate_hz) || !in.get(rec.start_unix_ns)) return corrupt();
    } else if (type == kBuildId) {
      std::uint64_t start = 0;
      std::uint32_t n = 0;
      std::span<const std::uint8_t> id;
      if (!in.get(start) || !in.get(n) || n > 64 || !in.bytes(n, id)) return corrupt();
      auto& record = process_record();
      record.build_ids[start].assign(reinterpret_cast<const char*>(id.data()), id.size());
      if (!record.maps_history.empty())
        record.maps_history.back().build_ids[start] = record.build_ids[start];
    } else if (type == kPerfMap) {
      std::uint32_t n = 0;
      std::span<const std::uint8_t> text;
      if (!in.get(n) || !in.bytes(n, text)) return corrupt();
      process_record().perf_map.assign(reinterpret_cast<const char*>(text.data()), text.size());
    } else if (type == kProcess) {
      std::uint32_t p = 0;
      if (!in.get(p) || p == 0) return corrupt();
      current = static_cast<pid_t>(p);
    } else if (type == kProcessName) {
      std::uint32_t p = 0, n = 0;
      std::span<const std::uint8_t> text;
      if (!in.get(p) || !in.get(n) || !in.bytes(n, text)) return corrupt();
      rec.process_names[static_cast<pid_t>(p)].assign(reinterpret_cast<const char*>(text.data()),
                                                      n);
    } else {
      return corrupt();
    }
  }
  return rec;
}

}  // namespace cspy::sampling
