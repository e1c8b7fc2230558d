// Where a test program's modules lie, for the symbolizer's agreement tests: the maps of a
// process started and killed here, the load address of a file in them, and a file's .text.
//   std::string maps = maps_of_running({target_binary("chain"), "--mode", "sleep"}, "ready");
//   ModuleMap::create(...maps...); symbolize(RemoteAddr(load_base(maps, path) + file_addr));
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cspy::symbolize {

// The [start, end) file addresses of `path`'s .text section ({0, 0} if it has none).
std::pair<std::uint64_t, std::uint64_t> text_range(const std::string& path);
// The runtime address of file address 0 for `path` in `maps` (the mapping at offset 0).
std::uint64_t load_base(const std::string& maps, const std::string& path);
// The /proc/PID/maps of `argv` once it printed `ready` (when not empty); it is then killed.
std::string maps_of_running(const std::vector<std::string>& argv, const std::string& ready);
// The path of the first mapping in `maps` whose path contains `name` ("/libc.so.6"); ""
// when none does.
std::string mapped_path(const std::string& maps, const std::string& name);
// About `count` file addresses spread evenly over [start, end), at an odd step so that
// they fall at every alignment.
std::vector<std::uint64_t> spread_over(std::uint64_t start, std::uint64_t end, std::size_t count);
// The part of `path` after its last '/'.
std::string basename_of(const std::string& path);

}  // namespace cspy::symbolize
