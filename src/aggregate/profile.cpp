// Profile: per-thread call trees, counters and the recording's description.
#include "cspy/aggregate/profile.h"

#include <set>

#include <fmt/core.h>

#include "cspy/core/check.h"

namespace cspy::aggregate {

namespace {
Frame thread_root(pid_t tid, const std::string& name) {
  std::string label =
      name.empty() ? fmt::format("thread {}", tid) : fmt::format("thread {} ({})", tid, name);
  return Frame{.function = label, .kind = FrameKind::kThread};
}
Frame process_root(pid_t pid, const std::string& name) {
  std::string label =
      name.empty() ? fmt::format("process {}", pid) : fmt::format("{} ({})", name, pid);
  return Frame{.function = label, .kind = FrameKind::kThread};
}
}  // namespace

ThreadInfo& Profile::thread(pid_t tid) {
  auto [it, added] = threads_.try_emplace(tid);
  if (added) {
    it->second.tid = tid;
    it->second.root = frames_.intern(thread_root(tid, ""));
    // Until told otherwise (set_thread_process), a thread is the recorded process's.
    it->second.pid = info_.pid;
    if (info_.pid != 0 && processes_.count(info_.pid) == 0) set_process_name(info_.pid, "");
  }
  return it->second;
}

void Profile::add_sample(pid_t tid, std::span<const FrameId> root_first, std::uint64_t time_ns,
                         std::uint64_t weight, bool idle) {
  if (time_ns >= hold_from_) {
    thread(tid);  // named now, while its name can be read
    held_.push_back(Held{.tid = tid,
                         .stack = {root_first.begin(), root_first.end()},
                         .time_ns = time_ns,
                         .weight = weight,
                         .idle = idle});
    return;
  }
  count(tid, root_first, time_ns, weight, idle);
}

void Profile::count(pid_t tid, std::span<const FrameId> root_first, std::uint64_t time_ns,
                    std::uint64_t weight, bool idle) {
  ThreadInfo& t = thread(tid);
  t.samples += weight;
  NodeId leaf = t.tree.add(root_first, weight);
  counters_.samples += weight;
  if (!root_first.empty()) {
    const Frame& root = frames_.get(root_first.front());
    const bool special = root.kind == FrameKind::kSpecial;
    if (special && root.function == "[unknown]") {
      counters_.unwind_failures += weight;
      if (root_first.size() > 1 && frames_.get(root_first[1]).kind == FrameKind::kJit)
        counters_.unwind_failures_in_jit += weight;
    }
    if (special && root.function == "[truncated]") counters_.truncated += weight;
  }
  if (idle) counters_.idle += weight;
  if (keep_timeline_) timeline_.push_back(TimelineEntry{time_ns, tid, leaf});
}

void Profile::add_lost(pid_t tid, std::uint64_t count) {
  const FrameId lost = frames_.lost();
  // The kernel says how many samples it dropped, not when: they are placed in time at the
  // last sample seen, so that a timeline stays in order.
  const std::uint64_t when = timeline_.empty() ? info_.start_mono_ns : timeline_.back().time_ns;
  if (when >= hold_from_) {
    thread(tid);
    held_.push_back(Held{.tid = tid,
                         .stack = {lost},
                         .time_ns = when,
                         .weight = count * sample_weight(),
                         .lost = count});
    return;
  }
  this->count(tid, std::span<const FrameId>(&lost, 1), when, count * sample_weight(), false);
  counters_.lost += count;
}

std::uint64_t Profile::sample_weight() const {
  if (!info_.weights_ns || info_.rate_hz <= 0) return 1;
  return static_cast<std::uint64_t>(1e9 / info_.rate_hz);
}

void Profile::set_thread_name(pid_t tid, const std::string& name) {
  ThreadInfo& t = thread(tid);
  t.name = name;
  t.root = frames_.intern(thread_root(tid, name));
}

void Profile::set_thread_process(pid_t tid, pid_t pid) {
  thread(tid).pid = pid;
  if (processes_.count(pid) == 0) set_process_name(pid, "");
}

void Profile::set_process_name(pid_t pid, const std::string& name) {
  ProcessInfo& p = processes_[pid];
  p.pid = pid;
  p.name = name;
  p.root = frames_.intern(process_root(pid, name));
}

void Profile::add_module(const std::string& name, const ModuleInfo& info) {
  modules_.try_emplace(name, info);
}

void Profile::set_symbol_name(FrameId frame, const std::string& raw) {
  if (raw != frames_.get(frame).function) symbol_names_.try_emplace(frame, raw);
}

const std::string* Profile::symbol_name(FrameId frame) const {
  auto it = symbol_names_.find(frame);
  return it == symbol_names_.end() ? nullptr : &it->second;
}

FrameId Profile::thread_frame(pid_t tid) const {
  auto it = threads_.find(tid);
  CSPY_CHECK(it != threads_.end());
  return it->second.root;
}

std::vector<FrameId> Profile::roots_of(pid_t tid, bool thread_roots) const {
  std::vector<FrameId> roots;
  auto t = threads_.find(tid);
  CSPY_CHECK(t != threads_.end());
  if (info_.process_roots) {
    auto p = processes_.find(t->second.pid);
    if (p != processes_.end()) roots.push_back(p->second.root);
  }
  if (thread_roots) roots.push_back(t->second.root);
  return roots;
}

CallTree Profile::combined_tree(bool thread_roots) const {
  CallTree out;
  for (const auto& [tid, t] : threads_) out.merge(t.tree, roots_of(tid, thread_roots));
  return out;
}

void Profile::reset_counts() {
  for (auto& [tid, t] : threads_) {
    t.samples = 0;
    t.tree.clear();
  }
  counters_ = Counters{};
  timeline_.clear();
}

Profile Profile::split_off(std::uint64_t next_hold) {
  Profile out(keep_timeline_);
  out.frames_ = frames_;
  out.info_ = info_;
  out.counters_ = counters_;
  out.processes_ = processes_;
  out.modules_ = modules_;
  out.symbol_names_ = symbol_names_;
  out.timeline_ = std::move(timeline_);
  timeline_.clear();
  counters_ = Counters{};
  std::set<pid_t> waiting;  // threads with held samples keep their names
  for (const Held& h : held_) waiting.insert(h.tid);
  for (auto it = threads_.begin(); it != threads_.end();) {
    ThreadInfo& t = it->second;
    if (t.samples > 0) {
      ThreadInfo& moved = out.threads_[it->first];
      moved = std::move(t);
      t = ThreadInfo{.tid = moved.tid, .pid = moved.pid, .name = moved.name, .root = moved.root};
      ++it;
    } else if (waiting.count(it->first) != 0) {
      ++it;
    } else {
      it = threads_.erase(it);
    }
  }
  hold_from_ = next_hold;
  std::vector<Held> held = std::move(held_);
  held_.clear();
  for (Held& h : held) {
    if (h.lost != 0) {
      if (h.time_ns >= hold_from_) {
        held_.push_back(std::move(h));
        continue;
      }
      count(h.tid, h.stack, h.time_ns, h.weight, false);
      counters_.lost += h.lost;
      continue;
    }
    add_sample(h.tid, h.stack, h.time_ns, h.weight, h.idle);
  }
  return out;
}

}  // namespace cspy::aggregate
