// Reading a pprof profile (gzip-compressed profile.proto, as `-f pprof` writes it) back
// into a Profile, so that `cspy diff` compares pprof files as it does raw and folded ones.
// It lives beside the writer because profile.proto's generated classes are output's.
// Locations become frames (their Lines innermost first: all but the last are inlined),
// the first sample value is the weight, labels `thread_id`/`thread` name the thread.
//   if (looks_like_pprof(head)) auto read = add_pprof(bytes, profile);  // kBadInput if not
#pragma once

#include <string_view>

#include "cspy/aggregate/profile.h"
#include "cspy/core/result.h"

namespace cspy::output {

// Whether `head` (a file's first bytes) starts as gzip does (1f 8b): pprof files are.
bool looks_like_pprof(std::string_view head);

// Adds every Sample of the pprof profile in `bytes` (gzip-compressed or not) to `profile`:
// its stack (root first), its first value as weight, its thread from the labels (tid 0
// when none). A stream that does not inflate or parse is a kBadInput error; nothing is
// added then.
Result<void> add_pprof(std::string_view bytes, aggregate::Profile& profile);

}  // namespace cspy::output
