// DebuginfodProbe: one more debuginfod query after libdw's miss, to tell "not there" from
// "no answer".
#include "debuginfod_probe.h"

#include <elfutils/debuginfod.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <fmt/core.h>

namespace cspy::modules {

void DebuginfodProbe::missed(std::string_view module, std::string_view build_id) {
  const char* urls = std::getenv("DEBUGINFOD_URLS");
  if (done_ || urls == nullptr || urls[0] == '\0' || build_id.empty()) return;
  debuginfod_client* client = debuginfod_begin();
  if (client == nullptr) return;
  char* path = nullptr;
  const int rc =
      debuginfod_find_debuginfo(client, reinterpret_cast<const unsigned char*>(build_id.data()),
                                static_cast<int>(build_id.size()), &path);
  debuginfod_end(client);
  std::free(path);
  if (rc >= 0) {
    ::close(rc);  // served now (libdw's own query failed a moment ago): nothing to say
    return;
  }
  done_ = true;
  if (rc == -ENOENT) return;  // the servers answered: they do not have this one
  notice_ = fmt::format(
      "debuginfod at {} did not answer ({}) when asked for {}'s debug info: frames without "
      "local debug info are named from symbol tables (is the server up? DEBUGINFOD_TIMEOUT "
      "bounds each wait)",
      urls, std::strerror(-rc), module);
}

std::optional<std::string> DebuginfodProbe::take_notice() { return std::exchange(notice_, {}); }

}  // namespace cspy::modules
