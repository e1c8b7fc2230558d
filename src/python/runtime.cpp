// Locating CPython's _PyRuntime and version in a process.
#include "cspy/python/runtime.h"

#include <fmt/format.h>
#include <unistd.h>

#include <regex>
#include <set>

#include "cspy/core/path.h"
#include "cspy/modules/elf_file.h"
#include "remote.h"

namespace cspy::python {

namespace {

// "libpython3.11.so.1.0", "python3.11", "python3.11d" -> 3, 11
bool version_from_name(const std::string& path, int& major, int& minor) {
  static const std::regex kName(R"((?:^|/)(?:lib)?python(\d)\.(\d+)[^/]*$)");
  std::smatch m;
  if (!std::regex_search(path, m, kName)) return false;
  major = std::stoi(m[1].str());
  minor = std::stoi(m[2].str());
  return true;
}

std::optional<std::string> read_link(const std::string& path) {
  char buf[4096];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buf) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

// The file to open for a path in the target's maps: through its root (containers).
std::string open_path(pid_t pid, const std::string& path) {
  std::string rooted = fmt::format("/proc/{}/root{}", pid, path);
  return ::access(rooted.c_str(), R_OK) == 0 ? rooted : path;
}

}  // namespace

Result<bool> check_interpreter_state(const process::Process& process, const Runtime& rt) {
  const Layout& l = *rt.layout;
  auto cannot = [&](const std::string& what, const Error& why) {
    return Error(ErrorKind::kBadInput,
                 fmt::format("cannot read the interpreter state of Python {}.{} ({}): {}: {}",
                             rt.major, rt.minor, rt.module, what, why.describe()));
  };
  auto read_word = [&](std::uint64_t addr, std::uint64_t& out) -> Result<void> {
    auto got = process.read_memory(RemoteAddr(addr), &out, sizeof out);
    if (!got) return got.error();
    if (*got != sizeof out) return Error(ErrorKind::kGeneric, "short read");
    return {};
  };
  const std::uint64_t head_at = rt.py_runtime.value() + l.runtime_interpreters_head;
  std::uint64_t interp = 0;
  if (auto r = read_word(head_at, interp); !r) {
    return cannot(fmt::format("_PyRuntime at {:#x}", rt.py_runtime.value()), r.error());
  }
  if (interp == 0) return false;
  std::uint64_t tstate = 0;
  if (auto r = read_word(interp + l.interp_threads_head, tstate); !r) {
    return cannot(fmt::format("_PyRuntime names an interpreter at {:#x}", interp), r.error());
  }
  if (tstate == 0) return false;
  std::uint64_t next = 0;
  if (auto r = read_word(tstate + l.tstate_next, next); !r) {
    return cannot(fmt::format("its first thread state at {:#x}", tstate), r.error());
  }
  return true;
}

Result<std::optional<Runtime>> locate(const process::Process& process,
                                      std::set<std::string>* not_python) {
  auto maps_text = process.maps();
  if (!maps_text) return maps_text.error();
  const auto maps = modules::parse_maps(*maps_text);
  std::string exe;
  if (auto target = read_link(fmt::format("/proc/{}/exe", process.pid()))) exe = *target;
  // Candidates: libpython first, then the executable (a static interpreter), then any
  // other file named like an interpreter.
  std::vector<std::string> candidates;
  std::set<std::string> seen;
  for (const auto& m : maps) {
    if (m.path.empty() || m.path[0] != '/' || !seen.insert(m.path).second) continue;
    if (basename_of(m.path).starts_with("libpython"))
      candidates.insert(candidates.begin(), m.path);
    else if (m.path == exe || basename_of(m.path).starts_with("python"))
      candidates.push_back(m.path);
  }
  for (const std::string& path : candidates) {
    if (not_python != nullptr && not_python->count(path) != 0) continue;
    const std::string file = open_path(process.pid(), path);
    auto runtime_value = modules::elf_symbol_value(file, "_PyRuntime");
    if (!runtime_value) {
      if (not_python != nullptr) not_python->insert(path);
      continue;
    }
    auto bias = modules::load_bias(file, path, maps);
    if (!bias) continue;
    Runtime rt;
    rt.module = path;
    rt.py_runtime = RemoteAddr(*bias + *runtime_value);
    auto symbol = [&](const char* name) {
      auto value = modules::elf_symbol_value(file, name);
      return value ? RemoteAddr(*bias + *value) : RemoteAddr();
    };
    rt.code_type = symbol("PyCode_Type");
    rt.none = symbol("_Py_NoneStruct");
    rt.true_ = symbol("_Py_TrueStruct");
    rt.false_ = symbol("_Py_FalseStruct");
    rt.long_type = symbol("PyLong_Type");
    rt.float_type = symbol("PyFloat_Type");
    rt.unicode_type = symbol("PyUnicode_Type");
    rt.bool_type = symbol("PyBool_Type");
    std::uint64_t hex = 0;
    if (auto py_version = modules::elf_symbol_value(file, "Py_Version");
        py_version && read_value(process, *bias + *py_version, hex) && (hex >> 24) == 3) {
      rt.major = static_cast<int>((hex >> 24) & 0xff);
      rt.minor = static_cast<int>((hex >> 16) & 0xff);
    } else if (!version_from_name(path, rt.major, rt.minor)) {
      return Error(ErrorKind::kBadInput,
                   fmt::format("{} is a Python interpreter of a version cspy cannot tell "
                               "(no Py_Version, no version in its name)",
                               path));
    }
    rt.layout = find_layout(rt.major, rt.minor);
    if (rt.layout == nullptr) {
      return Error(ErrorKind::kBadInput,
                   fmt::format("Python {}.{} ({}) is not supported: cspy reads Python {}", rt.major,
                               rt.minor, path, supported_versions()));
    }
    return std::optional<Runtime>(std::move(rt));
  }
  return std::optional<Runtime>();
}

}  // namespace cspy::python
