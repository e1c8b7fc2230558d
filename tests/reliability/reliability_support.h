// What the reliability tests share: a tmpfs mounted for one test and always unmounted (a
// full disk, a read-only directory), the hostile-names target, and checks that an output
// file is complete and valid (xmllint for SVG, a JSON parse, folded lines).
#pragma once

#include <string>

namespace cspy::test {

// A tmpfs of `size` (e.g. "64k") at a fresh directory, mounted with `extra` options
// ("ro"); unmounted and removed by the destructor, even after a failed assertion.
class TmpfsMount {
 public:
  explicit TmpfsMount(const std::string& size, const std::string& extra = "");
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  ~TmpfsMount();
  bool mounted() const { return mounted_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

// The hostile_names program built for these tests.
std::string hostile_target();

// "" when the file at `path` is a complete, valid output of its format (by extension:
// .svg checked with xmllint, .json parsed, .pb.gz gunzipped and decoded by protoc, .folded
// one "stack count" per line); otherwise
// what is wrong with it.
std::string output_problem(const std::string& path);
// The number of files in `dir`.
std::size_t files_in(const std::string& dir);

}  // namespace cspy::test
