// group_descendants: one pass over /proc/[0-9]*/stat, then a walk down from the root;
// descendants: the kernel's children lists, thread by thread.
#include "cspy/process/process_tree.h"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "cspy/process/process.h"

namespace cspy::process {

namespace {

struct StatFields {
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
  std::uint64_t start_time = 0;
};

// The fields of /proc/PID/stat after "(comm)", which may itself hold spaces and parentheses.
// `leader_only`: /proc/PID/task/PID/stat, the same fields but for the sums over threads,
// which the kernel computes at each read (a cost that grows with the threads).
std::optional<StatFields> read_stat(pid_t pid, bool leader_only = false) {
  const std::string id = std::to_string(pid);
  auto text = read_text_file(leader_only ? "/proc/" + id + "/task/" + id + "/stat"
                                         : "/proc/" + id + "/stat");
  if (!text) return std::nullopt;
  const auto close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text->substr(close + 1));
  StatFields f;
  rest >> f.state >> f.ppid >> f.pgrp;
  std::string skipped;
  for (int field = 6; field < 22 && rest >> skipped; ++field) {
  }
  rest >> f.start_time;
  if (!rest) return std::nullopt;
  return f;
}

// Every process in /proc, by parent PID.
std::multimap<pid_t, std::pair<pid_t, StatFields>> all_by_parent() {
  std::multimap<pid_t, std::pair<pid_t, StatFields>> children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    char* end = nullptr;
    const long pid = std::strtol(name.c_str(), &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    if (auto f = read_stat(static_cast<pid_t>(pid))) {
      children.emplace(f->ppid, std::pair{static_cast<pid_t>(pid), *f});
    }
  }
  return children;
}

// The children of every thread of `pid` (a child's parent is the thread that forked it);
// nullopt when the kernel keeps no children lists (CONFIG_PROC_CHILDREN).
std::optional<std::vector<pid_t>> children_of(pid_t pid) {
  std::vector<pid_t> found;
  std::error_code ec;
  const std::string task = "/proc/" + std::to_string(pid) + "/task";
  bool any_list = false;
  for (const auto& entry : std::filesystem::directory_iterator(task, ec)) {
    auto text = read_text_file(entry.path().string() + "/children");
    if (!text) continue;
    any_list = true;
    std::istringstream in(*text);
    for (pid_t child = 0; in >> child;) found.push_back(child);
  }
  if (!any_list && !ec && std::filesystem::exists(task)) return std::nullopt;
  return found;
}

}  // namespace

std::vector<pid_t> descendants(pid_t root) {
  // The kernel's children lists, or where it keeps none one pass over /proc.
  std::optional<std::multimap<pid_t, std::pair<pid_t, StatFields>>> all;
  if (!children_of(root)) all = all_by_parent();
  std::vector<pid_t> found;
  std::vector<pid_t> parents{root};
  while (!parents.empty()) {
    const pid_t parent = parents.back();
    parents.pop_back();
    std::vector<pid_t> children;
    if (all) {
      auto [first, last] = all->equal_range(parent);
      for (auto it = first; it != last; ++it) children.push_back(it->second.first);
    } else {
      children = children_of(parent).value_or(std::vector<pid_t>{});
    }
    for (pid_t child : children) {
      found.push_back(child);
      parents.push_back(child);
    }
  }
  return found;
}

bool ProcessId::running() const {
  auto f = read_stat(pid, /*leader_only=*/true);
  return f && f->start_time == start_time && f->state != 'Z' && f->state != 'X';
}

std::optional<ProcessId> process_id_of(pid_t pid) {
  auto f = read_stat(pid);
  if (!f) return std::nullopt;
  return ProcessId{.pid = pid, .start_time = f->start_time};
}

std::vector<ProcessId> group_descendants(pid_t root) {
  auto root_stat = read_stat(root);
  if (!root_stat) return {};
  const auto children = all_by_parent();
  std::vector<ProcessId> found;
  std::vector<pid_t> parents{root};
  while (!parents.empty()) {
    const pid_t parent = parents.back();
    parents.pop_back();
    auto [first, last] = children.equal_range(parent);
    for (auto it = first; it != last; ++it) {
      const auto& [pid, f] = it->second;
      if (f.pgrp != root_stat->pgrp) continue;
      found.push_back(ProcessId{.pid = pid, .start_time = f.start_time});
      parents.push_back(pid);
    }
  }
  return found;
}

}  // namespace cspy::process
