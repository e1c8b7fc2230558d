// Reading the names of a CPython program's threads from threading._active.
#include "cspy/python/thread_names.h"

#include "dict_reader.h"
#include "remote.h"

namespace cspy::python {

namespace {
constexpr int kMaxInterpreters = 64;
constexpr std::size_t kMaxName = 256;
}  // namespace

std::map<pid_t, std::string> read_thread_names(const process::Process& p, const Runtime& rt) {
  const Layout& l = *rt.layout;
  std::map<pid_t, std::string> names;
  std::uint64_t interp = 0;
  if (!read_value(p, rt.py_runtime.value() + l.runtime_interpreters_head, interp)) return names;
  for (int i = 0; interp != 0 && i < kMaxInterpreters; ++i) {
    std::uint64_t modules = 0;
    std::uint64_t threading = 0;
    std::uint64_t module_dict = 0;
    std::uint64_t active = 0;
    if (read_value(p, interp + l.interp_modules, modules) && modules != 0 &&
        (threading = find_str_key(p, l, read_dict(p, l, modules), "threading")) != 0 &&
        read_value(p, threading + l.module_dict, module_dict) && module_dict != 0 &&
        (active = find_str_key(p, l, read_dict(p, l, module_dict), "_active")) != 0) {
      for (const DictItem& thread : read_dict(p, l, active)) {
        const auto attributes = read_attributes(p, l, thread.value);
        const std::uint64_t name = find_str_key(p, l, attributes, "_name");
        const std::uint64_t native_id = find_str_key(p, l, attributes, "_native_id");
        IntValue tid;
        if (name == 0 || native_id == 0 || !read_int(p, l, native_id, tid) || !tid.exact() ||
            tid.negative || tid.magnitude == 0 || tid.magnitude > 0x7fffffff) {
          continue;
        }
        std::string text = read_str(p, l, name, kMaxName);
        if (!text.empty()) names[static_cast<pid_t>(tid.magnitude)] = std::move(text);
      }
    }
    if (!read_value(p, interp + l.interp_next, interp)) break;
  }
  // Python knows its threads by the IDs of its own PID namespace (a container's).
  if (!names.empty() && p.in_child_pid_namespace()) {
    std::map<pid_t, std::string> by_host_tid;
    for (const pid_t tid : p.threads()) {
      auto it = names.find(p.namespace_tid(tid));
      if (it != names.end()) by_host_tid[tid] = it->second;
    }
    return by_host_tid;
  }
  return names;
}

std::string shown_thread_name(const std::string& os_name, const std::string& process_name,
                              const std::string& python_name) {
  if (!python_name.empty() && (os_name.empty() || os_name == process_name)) return python_name;
  return os_name;
}

}  // namespace cspy::python
