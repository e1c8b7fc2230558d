// Filters over a finished Profile, for `report` and `diff`: keep one thread (--thread),
// keep only the stacks that pass through a frame whose function matches a regex
// (--focus), drop the stacks that pass through one (--exclude). A filter reads a const
// Profile and builds a new one over the same frames, so every writer works on the result.
//   auto filter = ProfileFilter::make({.focus = "^parse"});  // kUsage on a bad regex
//   auto kept = filter->apply(profile);                       // kUsage on an unknown thread
#pragma once

#include <optional>
#include <regex>
#include <string>

#include "cspy/aggregate/profile.h"
#include "cspy/core/result.h"

namespace cspy::aggregate {

struct FilterSpec {
  std::string thread;   // a TID (all digits) or a thread name (exact); empty: every thread
  std::string focus;    // extended regex searched in function names; empty: no focus
  std::string exclude;  // extended regex searched in function names; empty: none excluded
};

class ProfileFilter {
 public:
  static Result<ProfileFilter> make(const FilterSpec& spec);

  bool empty() const { return spec_.thread.empty() && !focus_ && !exclude_; }

  // The samples of `profile` this filter keeps, with the same frames (FrameIds), info and
  // thread names; counters are those of the kept samples ([lost] stacks stay lost). The
  // result keeps no timeline (samples are no longer in time order). An error if the
  // thread named is not in the profile.
  Result<Profile> apply(const Profile& profile) const;

 private:
  explicit ProfileFilter(FilterSpec spec) : spec_(std::move(spec)) {}
  bool wants_thread(const ThreadInfo& thread) const;

  FilterSpec spec_;
  std::optional<std::regex> focus_;
  std::optional<std::regex> exclude_;
};

}  // namespace cspy::aggregate
