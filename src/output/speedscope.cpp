// The speedscope JSON writer (https://www.speedscope.app/file-format-schema.json): one
// "sampled" profile per thread. With a timeline, samples are in time order and weighted
// by the time to the thread's next sample; otherwise one sample per distinct stack,
// weighted by count x sampling interval. Strings go through sanitize_utf8 and
// nlohmann::json's escaping; the long sample arrays are streamed, not built as json.
#include <algorithm>
#include <cmath>
#include <ostream>
#include <unordered_map>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cspy/output/escape.h"
#include "cspy/output/writer.h"

namespace cspy::output {

namespace {

using aggregate::CallTree;
using aggregate::FrameId;
using aggregate::NodeId;
using nlohmann::json;

constexpr std::string_view kSchema = "https://www.speedscope.app/file-format-schema.json";

std::string json_string(const std::string& s) {
  return json(sanitize_utf8(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

// The shared frame list: only frames that some stack uses, numbered as first met.
class SharedFrames {
 public:
  SharedFrames(const aggregate::FrameTable& table, bool lines) : table_(table), lines_(lines) {}

  std::size_t index(FrameId id) {
    auto [it, added] = index_.emplace(id.index(), frames_.size());
    if (added) {
      const aggregate::Frame& f = table_.get(id);
      json j = {{"name", sanitize_utf8(lines_ ? f.label_with_line() : f.function)}};
      if (!f.file.empty()) j["file"] = sanitize_utf8(f.file);
      if (f.line > 0) j["line"] = f.line;
      frames_.push_back(std::move(j));
    }
    return it->second;
  }
  std::string dump() const { return frames_.dump(-1, ' ', false, json::error_handler_t::replace); }

 private:
  const aggregate::FrameTable& table_;
  bool lines_;
  std::unordered_map<std::uint32_t, std::size_t> index_;
  json frames_ = json::array();
};

// One thread's profile before it is written: samples as node ids of its tree.
struct ThreadSamples {
  std::string name;
  std::string unit;
  std::uint64_t start = 0, end = 0;
  std::vector<NodeId> nodes;
  std::vector<std::uint64_t> weights;
  std::unordered_map<std::uint32_t, std::string> stacks;  // node -> "[0,3,7]", root first
};

void add_stacks(ThreadSamples& ts, const CallTree& tree, SharedFrames& shared) {
  for (NodeId id : ts.nodes) {
    auto [it, added] = ts.stacks.emplace(id.index(), std::string());
    if (!added) continue;
    std::string s = "[";
    for (FrameId f : tree.path(id))
      s += (s.size() > 1 ? "," : "") + std::to_string(shared.index(f));
    it->second = s + "]";
  }
}

// "thread TID (name)", after "name (PID): " when the recording has several processes.
std::string thread_name(const aggregate::Profile& profile, const aggregate::ThreadInfo& t) {
  std::string name = t.name.empty() ? fmt::format("thread {}", t.tid)
                                    : fmt::format("thread {} ({})", t.tid, t.name);
  if (!profile.info().process_roots) return name;
  auto p = profile.processes().find(t.pid);
  if (p == profile.processes().end()) return name;
  return profile.frames().get(p->second.root).function + ": " + name;
}

// Time-ordered samples, weighted by the time to the next one (the last: one interval).
ThreadSamples from_timeline(std::vector<aggregate::TimelineEntry> entries, std::uint64_t origin_ns,
                            std::uint64_t interval_ns) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.time_ns < b.time_ns; });
  ThreadSamples ts;
  ts.unit = "nanoseconds";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    ts.nodes.push_back(entries[i].leaf);
    ts.weights.push_back(i + 1 < entries.size() ? entries[i + 1].time_ns - entries[i].time_ns
                                                : interval_ns);
  }
  auto rel = [origin_ns](std::uint64_t ns) { return ns > origin_ns ? ns - origin_ns : 0; };
  if (!entries.empty()) {
    ts.start = rel(entries.front().time_ns);
    ts.end = rel(entries.back().time_ns) + interval_ns;
  }
  return ts;
}

// One sample per distinct stack, weighted by count x interval (or count, without a rate;
// or as weighed, when the weights are nanoseconds already: --idle).
ThreadSamples from_tree(const CallTree& tree, double rate_hz, bool weights_ns) {
  ThreadSamples ts;
  if (weights_ns) rate_hz = 0;
  ts.unit = rate_hz > 0 || weights_ns ? "nanoseconds" : "none";
  auto add = [&](NodeId id) {
    std::uint64_t count = tree.node(id).self;
    if (count == 0) return;
    std::uint64_t w = count;
    if (rate_hz > 0)
      w = static_cast<std::uint64_t>(std::llround(static_cast<double>(count) * 1e9 / rate_hz));
    ts.nodes.push_back(id);
    ts.weights.push_back(w);
    ts.end += w;
  };
  add(CallTree::kRoot);
  tree.walk([&](NodeId id, int) { add(id); });
  return ts;
}

void write_thread(std::ostream& out, const ThreadSamples& ts) {
  out << "{\"type\":\"sampled\",\"name\":" << json_string(ts.name) << ",\"unit\":\"" << ts.unit
      << "\",\"startValue\":" << ts.start << ",\"endValue\":" << ts.end << ",\"samples\":[";
  for (std::size_t i = 0; i < ts.nodes.size(); ++i) {
    out << (i ? "," : "") << ts.stacks.at(ts.nodes[i].index());
  }
  out << "],\"weights\":[";
  for (std::size_t i = 0; i < ts.weights.size(); ++i) out << (i ? "," : "") << ts.weights[i];
  out << "]}";
}

}  // namespace

void write_speedscope(const aggregate::Profile& profile, const WriteOptions& options,
                      std::ostream& out) {
  const auto& info = profile.info();
  const std::uint64_t interval_ns =
      info.rate_hz > 0 ? static_cast<std::uint64_t>(std::llround(1e9 / info.rate_hz)) : 0;
  std::unordered_map<pid_t, std::vector<aggregate::TimelineEntry>> timelines;
  for (const auto& e : profile.timeline()) timelines[e.tid].push_back(e);

  SharedFrames shared(profile.frames(), options.lines);
  std::vector<ThreadSamples> threads;
  for (const auto& [tid, thread] : profile.threads()) {
    if (thread.samples == 0) continue;
    // A timeline weighs samples by the gaps between them: not off-CPU samples' own weights.
    threads.push_back(
        profile.keeps_timeline() && !info.weights_ns
            ? from_timeline(std::move(timelines[tid]), info.start_mono_ns, interval_ns)
            : from_tree(thread.tree, info.rate_hz, info.weights_ns));
    threads.back().name = thread_name(profile, thread);
    add_stacks(threads.back(), thread.tree, shared);
  }
  std::string name = !options.title.empty()  ? options.title
                     : !info.command.empty() ? "cspy: " + info.command
                                             : fmt::format("cspy: PID {}", info.pid);

  out << "{\"$schema\":\"" << kSchema << "\",\"shared\":{\"frames\":" << shared.dump()
      << "},\"profiles\":[";
  for (std::size_t i = 0; i < threads.size(); ++i) {
    if (i > 0) out << ',';
    write_thread(out, threads[i]);
  }
  out << "],\"name\":" << json_string(name)
      << ",\"activeProfileIndex\":0,\"exporter\":\"cspy 0.1\"}\n";
}

}  // namespace cspy::output
