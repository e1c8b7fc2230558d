// The stacks of a Profile as folded text ("root;caller;leaf" and a count), one call per
// distinct stack in depth-first order: what write_folded prints, and what the folded
// diff matches BEFORE and AFTER by.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "cspy/aggregate/profile.h"
#include "cspy/output/writer.h"

namespace cspy::output {

// options.thread_roots and options.lines apply.
void for_each_folded_stack(const aggregate::Profile& profile, const WriteOptions& options,
                           const std::function<void(const std::string&, std::uint64_t)>& visit);

}  // namespace cspy::output
