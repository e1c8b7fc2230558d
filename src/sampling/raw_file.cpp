// The raw sample file format (little-endian, x86-64):
//   "CSPYRAW1" u32 pid, then records: u8 type followed by
//   1 sample: u32 tid, u64 time_ns, u8 flags (1 has_regs, 2 idle), u64 regs[17], u32 n, n stack bytes
//   2 lost:   u32 tid, u64 count
//   3 maps:   u32 n, n bytes of /proc/PID/maps text (the last one wins)
#include "cspy/sampling/raw_file.h"

#include <cstring>
#include <memory>

namespace cspy::sampling {

namespace {

constexpr char kMagic[8] = {'C', 'S', 'P', 'Y', 'R', 'A', 'W', '1'};
enum : std::uint8_t { kSample = 1, kLost = 2, kMaps = 3 };

template <typename T>
void put(std::ofstream& out, const T& v) {
  out.write(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
bool get(std::ifstream& in, T& v) {
  return static_cast<bool>(in.read(reinterpret_cast<char*>(&v), sizeof v));
}

}  // namespace

Result<std::unique_ptr<RawFileWriter>> RawFileWriter::create(const std::string& path, pid_t pid,
                                                             SampleSink& next) {
  std::unique_ptr<RawFileWriter> w(new RawFileWriter(path, next));
  w->out_.open(path, std::ios::binary | std::ios::trunc);
  if (!w->out_) return errno_error(ErrorKind::kBadInput, "cannot write " + path);
  w->out_.write(kMagic, sizeof kMagic);
  put(w->out_, static_cast<std::uint32_t>(pid));
  return w;
}

void RawFileWriter::write_maps(const std::string& maps) {
  put(out_, kMaps);
  put(out_, static_cast<std::uint32_t>(maps.size()));
  out_.write(maps.data(), static_cast<std::streamsize>(maps.size()));
}

void RawFileWriter::on_sample(const RawSample& s) {
  put(out_, kSample);
  put(out_, static_cast<std::uint32_t>(s.tid));
  put(out_, s.time_ns);
  put(out_, static_cast<std::uint8_t>((s.has_regs ? 1 : 0) | (s.idle ? 2 : 0)));
  for (std::uint64_t r : s.regs.dwarf) put(out_, r);
  put(out_, static_cast<std::uint32_t>(s.stack.size()));
  out_.write(reinterpret_cast<const char*>(s.stack.data()), static_cast<std::streamsize>(s.stack.size()));
  next_.on_sample(s);
}

void RawFileWriter::on_lost(pid_t tid, std::uint64_t count) {
  put(out_, kLost);
  put(out_, static_cast<std::uint32_t>(tid));
  put(out_, count);
  next_.on_lost(tid, count);
}

Result<void> RawFileWriter::close() {
  out_.flush();
  if (!out_) return Error(ErrorKind::kBadInput, "writing " + path_ + " failed (disk full?)");
  out_.close();
  return {};
}

Result<RawRecording> read_raw_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return errno_error(ErrorKind::kBadInput, "cannot read " + path);
  char magic[8];
  std::uint32_t pid = 0;
  if (!in.read(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof magic) != 0 || !get(in, pid)) {
    return Error(ErrorKind::kBadInput, path + " is not a cspy raw sample file");
  }
  RawRecording rec;
  rec.pid = static_cast<pid_t>(pid);
  std::uint8_t type = 0;
  auto corrupt = [&] { return Error(ErrorKind::kBadInput, path + " is truncated or corrupt"); };
  while (get(in, type)) {
    std::uint32_t tid = 0, n = 0;
    if (type == kSample) {
      StoredSample s;
      std::uint8_t has_regs = 0;
      if (!get(in, tid) || !get(in, s.sample.time_ns) || !get(in, has_regs)) return corrupt();
      for (std::uint64_t& r : s.sample.regs.dwarf) {
        if (!get(in, r)) return corrupt();
      }
      if (!get(in, n) || n > (1u << 20)) return corrupt();
      s.stack.resize(n);
      if (!in.read(reinterpret_cast<char*>(s.stack.data()), n)) return corrupt();
      s.sample.pid = rec.pid;
      s.sample.tid = static_cast<pid_t>(tid);
      s.sample.has_regs = (has_regs & 1) != 0;
      s.sample.idle = (has_regs & 2) != 0;
      rec.samples.push_back(std::move(s));
    } else if (type == kLost) {
      std::uint64_t count = 0;
      if (!get(in, tid) || !get(in, count)) return corrupt();
      rec.lost.emplace_back(static_cast<pid_t>(tid), count);
    } else if (type == kMaps) {
      if (!get(in, n) || n > (64u << 20)) return corrupt();
      rec.maps.resize(n);
      if (!in.read(rec.maps.data(), n)) return corrupt();
    } else {
      return corrupt();
    }
  }
  // Point each sample at its own bytes (the vector no longer moves).
  for (StoredSample& s : rec.samples) s.sample.stack = std::span<const std::uint8_t>(s.stack);
  return rec;
}

}  // namespace cspy::sampling
