// write_file_atomically: mkstemp beside the target, write, fsync, rename.
#include "cspy/output/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

namespace cspy::output {

Result<void> write_file_atomically(const std::string& path,
                                   const std::function<void(std::ostream&)>& write) {
  std::string templ = path + ".tmp.XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0) return errno_error(ErrorKind::kBadInput, "cannot create a file next to " + path);
  std::string tmp(name.data());
  ::close(fd);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    write(out);
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return Error(ErrorKind::kBadInput, "writing " + path + " failed (disk full?)");
    }
  }
  int sync_fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (sync_fd >= 0) {
    ::fsync(sync_fd);
    ::close(sync_fd);
  }
  ::chmod(tmp.c_str(), 0644);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    auto e = errno_error(ErrorKind::kBadInput, "cannot write " + path);
    std::remove(tmp.c_str());
    return e;
  }
  return {};
}

}  // namespace cspy::output
