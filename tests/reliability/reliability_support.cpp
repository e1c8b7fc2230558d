// TmpfsMount, the hostile target's path and the output validity checks.
#include "reliability_support.h"

#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {

TmpfsMount::TmpfsMount(const std::string& size, const std::string& extra) {
  dir_ = make_temp_dir();
  const std::string options = "size=" + size + (extra.empty() ? "" : "," + extra);
  unsigned long flags = extra.find("ro") != std::string::npos ? MS_RDONLY : 0;
  mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", flags, options.c_str()) == 0;
}

TmpfsMount::~TmpfsMount() {
  if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  ::rmdir(dir_.c_str());
}

std::string hostile_target() { return CSPY_HOSTILE_TARGET; }

std::size_t files_in(const std::string& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir, ec)) ++n;
  return n;
}

std::string output_problem(const std::string& path) {
  if (!std::filesystem::exists(path)) return "no file " + path;
  const std::string text = read_file(path);
  if (path.ends_with(".svg")) {
    CommandResult r = run_command({"xmllint", "--noout", path}, milliseconds(30'000));
    if (r.exit_code != 0) return "xmllint: " + r.err;
    if (text.find("</svg>") == std::string::npos) return "no </svg>";
    return "";
  }
  if (path.ends_with(".json")) {
    if (!nlohmann::json::accept(text)) return "not valid JSON";
    return "";
  }
  if (path.ends_with(".pb.gz")) {
    // gzip intact, and a protobuf message all through (protoc parses it field by field).
    CommandResult r =
        run_command({"bash", "-c",
                     "set -o pipefail; gunzip -c -- \"$0\" | protoc --decode_raw >/dev/null", path},
                    milliseconds(30'000));
    if (r.exit_code != 0) return "not a gzip'd protobuf: " + r.err;
    return "";
  }
  if (path.ends_with(".folded")) {
    if (!text.empty() && text.back() != '\n') return "last line unterminated";
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = text.find('\n', start);
      const std::string line = text.substr(start, end - start);
      const std::size_t space = line.rfind(' ');
      if (space == std::string::npos || space + 1 == line.size() ||
          line.find_first_not_of("0123456789", space + 1) != std::string::npos) {
        return "bad folded line: " + line;
      }
      for (char c : line) {
        if (static_cast<unsigned char>(c) < 0x20) return "control character in: " + line;
      }
      start = end + 1;
    }
    return "";
  }
  return "unknown format";
}

}  // namespace cspy::test
