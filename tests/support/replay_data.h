// Test helpers for replaying tests/data/replay: the recorded chain samples and a
// ModuleMap whose maps point the recorded binary path at the copy under tests/data.
#pragma once

#include <memory>
#include <string>

#include "cspy/modules/module_map.h"
#include "cspy/sampling/raw_file.h"

namespace cspy::test {

inline const std::string kRecordedChainPath = "/work/main/build/test_targets/chain";

inline std::string replay_data(const std::string& name) {
  return std::string(CSPY_TEST_DATA_DIR) + "/replay/" + name;
}

// `maps` with the recorded chain binary replaced by tests/data/replay/chain.
inline std::string remap_chain(std::string maps) {
  const std::string local = replay_data("chain");
  for (auto pos = maps.find(kRecordedChainPath); pos != std::string::npos;
       pos = maps.find(kRecordedChainPath, pos + local.size())) {
    maps.replace(pos, kRecordedChainPath.size(), local);
  }
  return maps;
}

inline Result<std::unique_ptr<modules::ModuleMap>> replay_modules(
    const sampling::RawRecording& rec) {
  std::string maps = remap_chain(rec.own.maps);
  return modules::ModuleMap::create([maps]() -> Result<std::string> { return maps; });
}

}  // namespace cspy::test
