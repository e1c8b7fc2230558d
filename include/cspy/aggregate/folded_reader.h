// Reading folded stacks ("main;parse;lex 12" lines, flamegraph.pl's input and cspy's
// folded output) back into a Profile, so that outputs of cspy or of other profilers can
// be compared with `cspy diff`. Every frame becomes a native frame named by its text.
//   aggregate::Profile p;  auto read = add_folded_stacks(text, p);  // kBadInput on a bad line
#pragma once

#include <sys/types.h>

#include <string_view>

#include "cspy/aggregate/profile.h"
#include "cspy/core/result.h"

namespace cspy::aggregate {

// Adds every line of `text` ("frame;frame;frame COUNT", root first; blank lines skipped)
// as COUNT samples of thread `tid`. A line without a count, or with an empty frame,
// is an error naming its line number; nothing is added then.
Result<void> add_folded_stacks(std::string_view text, Profile& profile, pid_t tid = 0);

}  // namespace cspy::aggregate
