// Where continuous recording writes each interval: a directory, and a name made of a
// prefix, the interval's start in UTC (ISO 8601 basic format, to the second) and an
// extension — DIR/cspy-julia-1234-20261202T170000Z.pb.gz — so that `ls` lists them in
// time order. Use: interval_files_from(-o, default prefix, ext), then interval_path().
#pragma once

#include <cstdint>
#include <string>

namespace cspy::continuous {

struct IntervalFiles {
  std::string directory;  // "" : the current directory
  std::string prefix;     // "cspy-julia-1234"
  std::string extension;  // ".pb.gz"
};

// "20261202T170000Z" for a time in nanoseconds since the epoch.
std::string utc_stamp(std::uint64_t unix_ns);

// DIRECTORY/PREFIX-STAMP.EXTENSION for the interval that starts at `start_unix_ns`.
std::string interval_path(const IntervalFiles& files, std::uint64_t start_unix_ns);

// From -o: a directory (one that exists, or a path ending in '/') gets `prefix` and
// `extension`; "DIR/NAME.EXT" gives DIR, NAME and .EXT (.pb.gz, .speedscope.json whole).
IntervalFiles interval_files_from(const std::string& output, const std::string& prefix,
                                  const std::string& extension);

}  // namespace cspy::continuous
