// The kernel's vDSO image (clock_gettime, gettimeofday...), which no file on disk holds.
// Every process on one kernel maps the same image, so cspy's own copy, saved once in a
// memory file, stands for the target's: reported to libdw at the target's [vdso] address
// it gives CFI and symbols for samples taken inside the vDSO.
#pragma once

#include <cstdint>
#include <string>

namespace cspy::modules {

// The [low, high) addresses of the [vdso] line of /proc/PID/maps text; false if none.
bool find_vdso_range(const std::string& maps, std::uint64_t& low, std::uint64_t& high);

// A path that opens cspy's own vDSO image, or "" when there is none (or saving it failed).
const std::string& own_vdso_path();
// The size of that image in memory, 0 when there is none.
std::uint64_t own_vdso_size();

}  // namespace cspy::modules
