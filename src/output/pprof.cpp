// The pprof writer: a Profile as profile.proto (the generated classes of profile.proto),
// gzip-compressed with zlib. The Profile keeps frames, not addresses: a Location is one
// physical frame with the frames inlined into it (Lines innermost first), in the Mapping
// of its binary; each thread's distinct stacks become Samples labelled with the thread.
#define ZLIB_CONST  // next_in is a pointer to const
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "cspy/output/escape.h"
#include "cspy/output/writer.h"
#include "profile.pb.h"

namespace cspy::output {

namespace {

using aggregate::Frame;
using aggregate::FrameId;
using aggregate::FrameKind;

// Builds the message; every string, function, location and mapping is added once.
class PprofBuilder {
 public:
  PprofBuilder(const aggregate::Profile& profile, const WriteOptions& options)
      : profile_(profile), options_(options) {
    str("");  // string_table[0] is the empty string
  }

  pprof::Profile build() {
    describe();
    for (const auto& [tid, thread] : profile_.threads()) add_thread(thread);
    order_mappings();
    return std::move(out_);
  }

 private:
  std::int64_t str(const std::string& s) {
    auto [it, added] = strings_.try_emplace(s, static_cast<std::int64_t>(strings_.size()));
    if (added) out_.add_string_table(sanitize_utf8(s));
    return it->second;
  }

  void set_value_type(pprof::ValueType* type, const char* name, const char* unit) {
    type->set_type(str(name));
    type->set_unit(str(unit));
  }

  // Sample types, period, times and the command line as a comment.
  void describe() {
    const aggregate::RecordingInfo& info = profile_.info();
    if (info.weights_ns) {
      // --idle, --off-cpu: one value, the time (off-CPU samples weigh what they blocked).
      const char* time = info.off_cpu_only ? "off_cpu" : "wall";
      set_value_type(out_.add_sample_type(), time, "nanoseconds");
      set_value_type(out_.mutable_period_type(), time, "nanoseconds");
      if (info.rate_hz > 0) out_.set_period(std::llround(1e9 / info.rate_hz));
      weights_ns_ = true;
    }
    if (!info.weights_ns) set_value_type(out_.add_sample_type(), "samples", "count");
    if (info.rate_hz > 0 && !info.weights_ns) {
      period_ns_ = std::llround(1e9 / info.rate_hz);
      const char* time = info.idle ? "wall" : "cpu";
      set_value_type(out_.add_sample_type(), time, "nanoseconds");
      set_value_type(out_.mutable_period_type(), time, "nanoseconds");
      out_.set_period(period_ns_);
    }
    out_.set_time_nanos(static_cast<std::int64_t>(info.start_unix_ns));
    out_.set_duration_nanos(std::llround(info.duration_s * 1e9));
    if (!info.command.empty()) out_.add_comment(str(info.command));
  }

  // The Function of a frame; frames that differ only by line share one.
  std::uint64_t function_id(FrameId id) {
    if (function_of_.size() <= id.index()) function_of_.resize(id.index() + 1, 0);
    std::uint64_t& known = function_of_[id.index()];
    if (known != 0) return known;
    const Frame& f = profile_.frames().get(id);
    const std::string* raw = profile_.symbol_name(id);
    const auto key =
        std::make_tuple(str(f.function), str(raw != nullptr ? *raw : f.function), str(f.file));
    auto [it, added] = functions_.try_emplace(key, functions_.size() + 1);
    if (added) {
      pprof::Function* fn = out_.add_function();
      fn->set_id(it->second);
      fn->set_name(std::get<0>(key));
      fn->set_system_name(std::get<1>(key));
      fn->set_filename(std::get<2>(key));
    }
    known = it->second;
    return known;
  }

  // The Mapping of a binary frames were found in; 0 when the profile does not know it.
  std::uint64_t mapping_id(const std::string& module) {
    auto found = mappings_.find(module);
    if (found != mappings_.end()) return found->second;
    auto info = profile_.modules().find(module);
    if (module.empty() || info == profile_.modules().end()) return 0;
    const std::uint64_t id = mappings_.size() + 1;
    pprof::Mapping* m = out_.add_mapping();
    m->set_id(id);
    m->set_memory_start(info->second.start);
    m->set_memory_limit(info->second.limit);
    m->set_file_offset(info->second.file_offset);
    m->set_filename(str(info->second.path));
    m->set_build_id(str(info->second.build_id));
    // Symbolized already: a reader must not look the (absent) addresses up again.
    m->set_has_functions(true);
    m->set_has_filenames(true);
    m->set_has_line_numbers(true);
    m->set_has_inline_frames(true);
    mappings_.emplace(module, id);
    return id;
  }

  // Readers take the first Mapping for the main binary (pprof's "File:"): mappings go in
  // address order, as /proc/PID/maps lists them, which puts the executable (mapped below
  // its libraries) first.
  void order_mappings() {
    std::vector<pprof::Mapping> sorted(out_.mapping().begin(), out_.mapping().end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.memory_start() < b.memory_start();
    });
    std::vector<std::uint64_t> new_id(sorted.size() + 1, 0);  // by old id; 0 stays 0
    out_.clear_mapping();
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      new_id[sorted[i].id()] = i + 1;
      sorted[i].set_id(i + 1);
      *out_.add_mapping() = std::move(sorted[i]);
    }
    for (pprof::Location& loc : *out_.mutable_location()) {
      loc.set_mapping_id(new_id[loc.mapping_id()]);
    }
  }

  // The Location of a physical frame and the frames inlined into it, outermost first.
  std::uint64_t location_id(std::span<const FrameId> chain) {
    std::vector<std::uint32_t> key;
    key.reserve(chain.size());
    for (FrameId id : chain) key.push_back(id.index());
    auto [it, added] = locations_.try_emplace(std::move(key), locations_.size() + 1);
    if (!added) return it->second;
    pprof::Location* loc = out_.add_location();
    loc->set_id(it->second);
    const Frame& physical = profile_.frames().get(chain.front());
    if (physical.kind == FrameKind::kNative) loc->set_mapping_id(mapping_id(physical.module));
    for (auto f = chain.rbegin(); f != chain.rend(); ++f) {
      pprof::Line* line = loc->add_line();
      line->set_function_id(function_id(*f));
      if (options_.lines) line->set_line(profile_.frames().get(*f).line);
    }
    return it->second;
  }

  // Whether `next` belongs to the Location that `first` starts: an inlined native frame
  // of the same binary.
  bool inlined_into(FrameId first, FrameId next) const {
    const Frame& a = profile_.frames().get(first);
    const Frame& b = profile_.frames().get(next);
    return b.inlined && b.kind == FrameKind::kNative && a.kind == FrameKind::kNative &&
           a.module == b.module;
  }

  // One Sample: the stack `root_first` seen `count` times on `thread`.
  void add_sample(const aggregate::ThreadInfo& thread, std::span<const FrameId> root_first,
                  std::uint64_t count) {
    pprof::Sample* sample = out_.add_sample();
    std::vector<std::uint64_t> ids;  // outermost first
    for (std::size_t begin = 0; begin < root_first.size();) {
      std::size_t end = begin + 1;
      while (end < root_first.size() && inlined_into(root_first[begin], root_first[end])) ++end;
      ids.push_back(location_id(root_first.subspan(begin, end - begin)));
      begin = end;
    }
    for (auto id = ids.rbegin(); id != ids.rend(); ++id) sample->add_location_id(*id);
    const auto n = static_cast<std::int64_t>(count);
    sample->add_value(n);
    if (period_ns_ > 0 && !weights_ns_) sample->add_value(n * period_ns_);
    if (!thread.name.empty()) {
      pprof::Label* name = sample->add_label();
      name->set_key(str("thread"));
      name->set_str(str(thread.name));
    }
    pprof::Label* tid = sample->add_label();
    tid->set_key(str("thread_id"));
    tid->set_num(thread.tid);
    // Several processes (--subprocesses): which one, by name and PID.
    if (!profile_.info().process_roots) return;
    auto process = profile_.processes().find(thread.pid);
    if (process == profile_.processes().end()) return;
    if (!process->second.name.empty()) {
      pprof::Label* name = sample->add_label();
      name->set_key(str("process"));
      name->set_str(str(process->second.name));
    }
    pprof::Label* pid = sample->add_label();
    pid->set_key(str("pid"));
    pid->set_num(thread.pid);
  }

  void add_thread(const aggregate::ThreadInfo& thread) {
    const aggregate::CallTree& tree = thread.tree;
    const std::uint64_t empty = tree.node(aggregate::CallTree::kRoot).self;
    if (empty > 0) add_sample(thread, {}, empty);  // samples without a frame still count
    std::vector<FrameId> path;
    tree.walk([&](aggregate::NodeId id, int depth) {
      const aggregate::CallNode& node = tree.node(id);
      path.resize(static_cast<std::size_t>(depth));
      path.push_back(node.frame);
      if (node.self > 0) add_sample(thread, path, node.self);
    });
  }

  const aggregate::Profile& profile_;
  const WriteOptions& options_;
  pprof::Profile out_;
  std::int64_t period_ns_ = 0;  // 0: the rate is unknown, samples are counted only
  bool weights_ns_ = false;     // the profile's weights are nanoseconds: one value each
  std::unordered_map<std::string, std::int64_t> strings_;
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, std::uint64_t> functions_;
  std::vector<std::uint64_t> function_of_;  // by FrameId; 0: not yet added
  std::map<std::string, std::uint64_t> mappings_;
  std::map<std::vector<std::uint32_t>, std::uint64_t> locations_;
};

// Writes `bytes` gzip-compressed (RFC 1952) to `out`.
void write_gzip(const std::string& bytes, std::ostream& out) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zlib: deflateInit2 failed");
  }
  z.next_in = reinterpret_cast<const Bytef*>(bytes.data());
  z.avail_in = static_cast<uInt>(bytes.size());
  std::vector<char> chunk(1 << 16);
  int status = Z_OK;
  while (status == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    status = deflate(&z, Z_FINISH);
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size() - z.avail_out));
  }
  deflateEnd(&z);
  if (status != Z_STREAM_END) throw std::runtime_error("zlib: deflate failed");
}

}  // namespace

void write_pprof(const aggregate::Profile& profile, const WriteOptions& options,
                 std::ostream& out) {
  const pprof::Profile message = PprofBuilder(profile, options).build();
  std::string bytes;
  // protobuf's limit is 2 GiB per message: far beyond any profile of frames and stacks.
  if (!message.SerializeToString(&bytes)) {
    throw std::runtime_error("the pprof profile cannot be encoded (over 2 GiB?)");
  }
  write_gzip(bytes, out);
}

}  // namespace cspy::output
