// Why debuginfod gave no debug file. libdw asks the servers of DEBUGINFOD_URLS for a
// module's debug info when none is found locally, and says nothing when they cannot be
// reached: frames are then quietly named from symbol tables. After such a miss this asks
// the servers once more, itself, and keeps one line when they did not answer (down,
// unreachable, timed out); a server that answers "not found" ends the probing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cspy::modules {

class DebuginfodProbe {
 public:
  // Called when no debug file was found for `module` (its build-id as raw bytes). Asks
  // until one answer is conclusive; a no-op without DEBUGINFOD_URLS.
  void missed(std::string_view module, std::string_view build_id);
  // The line to show once, when the servers did not answer.
  std::optional<std::string> take_notice();

 private:
  bool done_ = false;
  std::optional<std::string> notice_;
};

}  // namespace cspy::modules
