// pprof read back: inflate, parse with the generated classes, and replay every Sample
// into the Profile through its Locations, Lines and Functions.
#define ZLIB_CONST  // next_in is a pointer to const
#include "cspy/output/pprof_reader.h"

#include <zlib.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/core.h>

#include "profile.pb.h"

namespace cspy::output {

namespace {

using aggregate::Frame;
using aggregate::FrameId;

// Far above any profile cspy writes; a bound so that a gzip bomb is an error, not an OOM.
constexpr std::size_t kMaxInflated = std::size_t{1} << 30;

// `bytes` inflated when they are gzip (or zlib), else as they are.
Result<std::string> inflate_all(std::string_view bytes) {
  if (!looks_like_pprof(bytes)) return std::string(bytes);
  z_stream z{};
  // windowBits 15 + 32: zlib and gzip headers both detected.
  if (inflateInit2(&z, 15 + 32) != Z_OK) return Error(ErrorKind::kBadInput, "zlib: inflateInit2");
  z.next_in = reinterpret_cast<const Bytef*>(bytes.data());
  z.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  std::vector<char> chunk(1 << 16);
  int status = Z_OK;
  while (status == Z_OK && out.size() <= kMaxInflated) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    status = inflate(&z, Z_NO_FLUSH);
    out.append(chunk.data(), chunk.size() - z.avail_out);
    if (status == Z_BUF_ERROR && z.avail_in == 0) break;  // truncated input
  }
  inflateEnd(&z);
  if (status != Z_STREAM_END) {
    return Error(ErrorKind::kBadInput, out.size() > kMaxInflated ? "inflates to more than 1 GiB"
                                                                 : "not a complete gzip stream");
  }
  return out;
}

// The frames of a parsed profile: one chain per Location, outermost (physical) first.
class LocationFrames {
 public:
  LocationFrames(const pprof::Profile& message, aggregate::FrameTable& frames)
      : message_(message), frames_(frames) {
    for (const pprof::Function& f : message.function()) functions_.emplace(f.id(), &f);
    for (const pprof::Mapping& m : message.mapping()) mappings_.emplace(m.id(), &m);
    for (const pprof::Location& l : message.location()) locations_.emplace(l.id(), &l);
  }

  // The chain of Location `id`, or an error naming an id the profile does not hold.
  Result<const std::vector<FrameId>*> chain(std::uint64_t id) {
    auto known = chains_.find(id);
    if (known != chains_.end()) return &known->second;
    auto loc = locations_.find(id);
    if (loc == locations_.end()) return bad(fmt::format("a sample names location {}", id));
    const std::string module = module_of(loc->second->mapping_id());
    std::vector<FrameId> out;
    const auto& lines = loc->second->line();
    for (int i = lines.size() - 1; i >= 0; --i) {  // Lines are innermost first
      auto fn = functions_.find(lines[i].function_id());
      if (fn == functions_.end()) return bad("a line names an unknown function");
      out.push_back(frames_.intern(Frame{.function = text(fn->second->name()),
                                         .module = module,
                                         .file = text(fn->second->filename()),
                                         .line = static_cast<int>(lines[i].line()),
                                         .inlined = i != lines.size() - 1}));
    }
    if (out.empty()) {  // an address never symbolized: module+offset, as cspy names those
      out.push_back(frames_.intern(
          Frame{.function = fmt::format("{}+{:#x}", module.empty() ? "[unknown]" : module,
                                        loc->second->address()),
                .module = module}));
    }
    return &chains_.emplace(id, std::move(out)).first->second;
  }

  const std::string& text(std::int64_t index) const {
    static const std::string empty;
    if (index < 0 || index >= message_.string_table_size()) return empty;
    return message_.string_table(static_cast<int>(index));
  }

 private:
  static Error bad(const std::string& what) { return Error(ErrorKind::kBadInput, what); }

  std::string module_of(std::uint64_t mapping_id) const {
    auto m = mappings_.find(mapping_id);
    if (m == mappings_.end()) return "";
    const std::string& path = text(m->second->filename());
    return path.substr(path.rfind('/') + 1);
  }

  const pprof::Profile& message_;
  aggregate::FrameTable& frames_;
  std::unordered_map<std::uint64_t, const pprof::Function*> functions_;
  std::unordered_map<std::uint64_t, const pprof::Mapping*> mappings_;
  std::unordered_map<std::uint64_t, const pprof::Location*> locations_;
  std::unordered_map<std::uint64_t, std::vector<FrameId>> chains_;
};

// One Sample's stack (root first), weight and thread.
struct ReadSample {
  std::vector<FrameId> root_first;
  std::uint64_t weight = 0;
  pid_t tid = 0;
  std::string thread_name;
};

Result<ReadSample> read_sample(const pprof::Sample& s, LocationFrames& locations) {
  ReadSample out;
  if (!s.value().empty() && s.value(0) > 0) out.weight = static_cast<std::uint64_t>(s.value(0));
  for (int i = s.location_id_size() - 1; i >= 0; --i) {  // leaf first in pprof
    auto chain = locations.chain(s.location_id(i));
    if (!chain) return chain.error();
    out.root_first.insert(out.root_first.end(), (*chain)->begin(), (*chain)->end());
  }
  for (const pprof::Label& label : s.label()) {
    const std::string& key = locations.text(label.key());
    if (key == "thread_id") out.tid = static_cast<pid_t>(label.num());
    if (key == "thread") out.thread_name = locations.text(label.str());
  }
  return out;
}

}  // namespace

bool looks_like_pprof(std::string_view head) {
  return head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
         static_cast<unsigned char>(head[1]) == 0x8b;
}

Result<void> add_pprof(std::string_view bytes, aggregate::Profile& profile) {
  auto inflated = inflate_all(bytes);
  if (!inflated) return inflated.error();
  pprof::Profile message;
  if (!message.ParseFromString(*inflated)) {
    return Error(ErrorKind::kBadInput, "not a profile.proto message");
  }
  LocationFrames locations(message, profile.frames());
  std::vector<ReadSample> samples;
  samples.reserve(static_cast<std::size_t>(message.sample_size()));
  for (const pprof::Sample& s : message.sample()) {
    auto read = read_sample(s, locations);
    if (!read) return read.error();
    samples.push_back(std::move(*read));
  }
  for (const ReadSample& s : samples) {
    if (s.weight == 0) continue;
    profile.add_sample(s.tid, s.root_first, 0, s.weight);
    if (!s.thread_name.empty()) profile.set_thread_name(s.tid, s.thread_name);
  }
  if (message.sample_type_size() > 0) {
    const std::string& unit = locations.text(message.sample_type(0).unit());
    profile.info().weights_ns = unit == "nanoseconds";
  }
  return {};
}

}  // namespace cspy::output
