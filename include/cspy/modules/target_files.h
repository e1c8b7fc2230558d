// TargetFiles: where the files a target has mapped are opened, and the proof that a file
// is the one mapped. A live target's files are opened through its own root
// (/proc/PID/root: a container's /usr/lib, never the host's file of the same path), then
// through /proc/PID/map_files (the very file mapped, even deleted or replaced); each is
// used only when its build-id is the one in the target's memory. A recording's files are
// checked against the build-ids it kept. What cannot be used is said once per module.
// A JIT's /tmp/perf-PID.map is also the target's: in its root, under its own PID.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cspy/core/unique_fd.h"
#include "cspy/modules/elf_file.h"

namespace cspy::modules {

class TargetFiles {
 public:
  // A live process.
  static std::shared_ptr<TargetFiles> live(pid_t pid);
  // A recording's files at their (remapped) paths, checked against `build_ids` (the
  // start address of each module's first mapping -> its build-id bytes); a module with
  // none recorded (recordings before build-ids were kept) is used unchecked.
  // `perf_map` is the text of the JIT's perf map the recording kept.
  static std::shared_ptr<TargetFiles> recorded(std::map<std::uint64_t, std::string> build_ids,
                                               std::string perf_map = {});

  struct Opened {
    UniqueFd fd;
    std::string path;  // where it was found: debug files are looked for beside it
  };
  // The file of the module `name` (as /proc/PID/maps names it) whose first mapping is
  // [start, end), once checked; nullopt when no usable file was found (a notice says why
  // when a file was found but is not the one mapped).
  std::optional<Opened> open(const std::string& name, std::uint64_t start, std::uint64_t end);

  // The live target (its memory holds each module's image), 0 for a recording.
  pid_t pid() const { return pid_; }
  // Where the target's separate debug files may also be: its root's /usr/lib/debug.
  std::string debug_dir() const;
  // Directories the user named for debug files (--debug-dir), searched first.
  void set_debug_dirs(std::vector<std::string> dirs) { debug_dirs_ = std::move(dirs); }
  const std::vector<std::string>& debug_dirs() const { return debug_dirs_; }
  // A live target's /tmp/perf-PID.map, through its root and with the PID it has in its
  // namespace; "" for a recording.
  std::string perf_map_path() const;
  // A recording's perf map text.
  const std::string& recorded_perf_map() const { return recorded_perf_map_; }
  // A recording's build-ids from here on (its next maps version, when replaying in order).
  void set_recorded_build_ids(std::map<std::uint64_t, std::string> build_ids) {
    recorded_ = std::move(build_ids);
  }
  // The build-id of the module mapped at `start` as the target has it; "" when unknown.
  std::string expected_build_id(std::uint64_t start) const;
  // Reads the build-id of every module in `mappings` from the live target's memory now,
  // so that its files can still be checked after it exits.
  void remember_build_ids(const std::vector<Mapping>& mappings);
  // The notices since the last call, each module's once.
  std::vector<std::string> take_notices();

 private:
  TargetFiles() = default;
  void notice(const std::string& name, std::string text);
  // The live target's root directory, as a path (held open: valid after it exits).
  std::string root() const;

  pid_t pid_ = 0;
  pid_t ns_pid_ = 0;  // the PID the target has in its own namespace
  UniqueFd root_fd_;  // /proc/PID/root, O_PATH
  std::map<std::uint64_t, std::string> recorded_;
  std::map<std::uint64_t, std::string> remembered_;  // remember_build_ids()
  std::string recorded_perf_map_;
  std::vector<std::string> debug_dirs_;
  std::set<std::string> noticed_;  // modules already the subject of a notice
  std::vector<std::string> notices_;
};

}  // namespace cspy::modules
