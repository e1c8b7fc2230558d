// The static parts of the flamegraph SVG: its stylesheet and its script. Neither contains
// anything from the target: the script reads frame names from the frames' <title>
// elements and numbers from data-* attributes at load time.
#pragma once

#include <string_view>

namespace cspy::output {

extern const std::string_view kFlamegraphStyle;
extern const std::string_view kFlamegraphScript;

}  // namespace cspy::output
