// Fuzzes the folded-stacks reader (aggregate::add_folded_stacks, what `cspy diff` reads):
// any text gives a profile or an Error, and a profile's counts add up (the invariant
// Profile keeps: the samples are the sum over its threads' stacks).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cspy/aggregate/folded_reader.h"
#include "cspy/aggregate/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  cspy::aggregate::Profile profile;
  if (!cspy::aggregate::add_folded_stacks(text, profile)) return 0;
  (void)profile.combined_tree(true);
  return 0;
}
