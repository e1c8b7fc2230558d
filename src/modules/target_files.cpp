// TargetFiles: a target's files through its root or map_files, checked by build-id.
#include "cspy/modules/target_files.h"

#include <fcntl.h>

#include <fmt/core.h>

#include <cstdlib>

#include "cspy/modules/elf_file.h"
#include "cspy/process/process.h"

namespace cspy::modules {

namespace {

// Opens `path` read-only and reads its build-id through the descriptor (so both are the
// same file); an invalid fd when it cannot be opened.
UniqueFd open_with_build_id(const std::string& path, std::string& build_id) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.valid()) build_id = file_build_id(fmt::format("/proc/self/fd/{}", fd.get()));
  return fd;
}

// "build-id abcd…" for a notice: enough digits to tell two apart.
std::string short_id(const std::string& id) {
  return id.empty() ? "no build-id" : "build-id " + to_hex(id).substr(0, 12);
}
}  // namespace

std::shared_ptr<TargetFiles> TargetFiles::live(pid_t pid) {
  std::shared_ptr<TargetFiles> files(new TargetFiles());
  files->pid_ = pid;
  files->ns_pid_ = pid;
  // Held open, the target's root stays reachable after the target exits: samples taken
  // before its exit are named after it (cspy names them later than it takes them).
  files->root_fd_ =
      UniqueFd(::open(fmt::format("/proc/{}/root", pid).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  // "NSpid: 4242 1": the last is the PID in the target's own namespace.
  if (auto status = process::read_text_file(fmt::format("/proc/{}/status", pid))) {
    files->ns_pid_ = process::innermost_nspid(*status, pid);
  }
  return files;
}

std::shared_ptr<TargetFiles> TargetFiles::recorded(std::map<std::uint64_t, std::string> build_ids,
                                                   std::string perf_map) {
  std::shared_ptr<TargetFiles> files(new TargetFiles());
  files->recorded_ = std::move(build_ids);
  files->recorded_perf_map_ = std::move(perf_map);
  return files;
}

std::string TargetFiles::root() const {
  return root_fd_.valid() ? fmt::format("/proc/self/fd/{}", root_fd_.get())
                          : fmt::format("/proc/{}/root", pid_);
}

std::string TargetFiles::perf_map_path() const {
  if (pid_ == 0) return {};
  return fmt::format("{}/tmp/perf-{}.map", root(), ns_pid_ > 0 ? ns_pid_ : pid_);
}

std::string TargetFiles::debug_dir() const {
  return pid_ == 0 ? std::string() : root() + "/usr/lib/debug";
}

void TargetFiles::remember_build_ids(const std::vector<Mapping>& mappings) {
  if (pid_ == 0) return;
  for (const Mapping& m : mappings) {
    if (m.offset != 0 || !m.path.starts_with("/")) continue;
    std::string id = build_id_in_memory(pid_, m.start);
    if (!id.empty()) remembered_[m.start] = std::move(id);
  }
}

std::string TargetFiles::expected_build_id(std::uint64_t start) const {
  const auto& known = pid_ != 0 ? remembered_ : recorded_;
  if (pid_ != 0) {
    std::string id = build_id_in_memory(pid_, start);
    if (!id.empty()) return id;  // else the target is gone: what was read before
  }
  auto it = known.find(start);
  return it == known.end() ? std::string() : it->second;
}

void TargetFiles::notice(const std::string& name, std::string text) {
  if (!noticed_.insert(name).second) return;
  notices_.push_back(std::move(text));
}

std::vector<std::string> TargetFiles::take_notices() { return std::exchange(notices_, {}); }

std::optional<TargetFiles::Opened> TargetFiles::open(const std::string& name, std::uint64_t start,
                                                     std::uint64_t end) {
  const std::string expected = expected_build_id(start);
  const std::string path(without_deleted(name));
  const bool deleted = path.size() != name.size();
  if (pid_ == 0) {
    std::string id;
    UniqueFd fd = open_with_build_id(path, id);
    if (!fd.valid()) {
      notice(name, fmt::format("{}: not found, its frames are left unnamed (--map-path OLD=NEW "
                               "names another place for it)",
                               path));
      return std::nullopt;
    }
    if (expected.empty() || id == expected) return Opened{std::move(fd), path};
    notice(name, fmt::format("{} is not the file that was recorded ({}, the recording has {}): "
                             "not used for names; --map-path OLD=NEW names the right one",
                             path, short_id(id), short_id(expected)));
    return std::nullopt;
  }

  // Through the target's root: a container's own file, not the host's of the same path.
  const std::string rooted = root() + path;
  std::string rooted_id;
  UniqueFd fd = open_with_build_id(rooted, rooted_id);
  if (fd.valid() && (expected.empty() || rooted_id == expected)) {
    return Opened{std::move(fd), rooted};
  }
  // Replaced or deleted since it was mapped: the very file mapped, by its mapping.
  const std::string mapped = fmt::format("/proc/{}/map_files/{:x}-{:x}", pid_, start, end);
  std::string mapped_id;
  UniqueFd mapped_fd = open_with_build_id(mapped, mapped_id);
  const bool mapped_ok = mapped_fd.valid() && (expected.empty() || mapped_id == expected);
  if (fd.valid()) {
    notice(name, fmt::format("{}: the file at that path is not the one the process has mapped "
                             "({}, mapped {}); {}",
                             path, short_id(rooted_id), short_id(expected),
                             mapped_ok ? "named from the mapped file itself"
                                       : "named from its image in memory where possible"));
  } else if (!mapped_ok) {
    notice(name, fmt::format("{}: {}, and /proc/{}/map_files cannot be opened (it needs "
                             "CAP_SYS_ADMIN); named from its image in memory where possible",
                             path, deleted ? "deleted" : "not found", pid_));
  }
  if (mapped_ok) return Opened{std::move(mapped_fd), mapped};
  return std::nullopt;
}

}  // namespace cspy::modules
