// Time-stamped file names for continuous recording's intervals.
#include "cspy/continuous/interval_files.h"

#include <sys/stat.h>
#include <time.h>

#include <array>

#include <fmt/core.h>

namespace cspy::continuous {

std::string utc_stamp(std::uint64_t unix_ns) {
  const auto seconds = static_cast<time_t>(unix_ns / 1'000'000'000ULL);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

std::string interval_path(const IntervalFiles& files, std::uint64_t start_unix_ns) {
  std::string dir = files.directory;
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return fmt::format("{}{}-{}{}", dir, files.prefix, utc_stamp(start_unix_ns), files.extension);
}

IntervalFiles interval_files_from(const std::string& output, const std::string& prefix,
                                  const std::string& extension) {
  struct stat st {};
  const bool is_dir = output.empty() || output.back() == '/' ||
                      (::stat(output.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
  if (is_dir) return IntervalFiles{.directory = output, .prefix = prefix, .extension = extension};
  const std::size_t slash = output.rfind('/');
  IntervalFiles files;
  files.directory = slash == std::string::npos ? "" : output.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? output : output.substr(slash + 1);
  static constexpr std::array<const char*, 2> kLong = {".pb.gz", ".speedscope.json"};
  for (const char* ext : kLong) {
    if (name.size() > std::string(ext).size() && name.ends_with(ext)) {
      files.extension = ext;
      break;
    }
  }
  if (files.extension.empty()) {
    const std::size_t dot = name.rfind('.');
    if (dot != std::string::npos && dot > 0) files.extension = name.substr(dot);
  }
  files.prefix = name.substr(0, name.size() - files.extension.size());
  if (files.extension.empty()) files.extension = extension;
  return files;
}

}  // namespace cspy::continuous
