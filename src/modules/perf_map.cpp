// PerfMap: /tmp/perf-PID.map lines read incrementally into a map of address ranges.
#include "cspy/modules/perf_map.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <charconv>

#include "cspy/core/clock.h"
#include "cspy/core/unique_fd.h"

namespace cspy::modules {

namespace {
constexpr std::uint64_t kReadEveryNs = 20'000'000;

// A hex number at the start of `s` (an optional "0x"), and `s` advanced past it and the
// spaces after it; false if there is none.
bool take_hex(std::string_view& s, std::uint64_t& value) {
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
  if (ec != std::errc() || end == s.data()) return false;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  const auto spaces = s.find_first_not_of(' ');
  if (spaces == std::string_view::npos || spaces == 0) return false;
  s.remove_prefix(spaces);
  return true;
}
}  // namespace

PerfMap PerfMap::from_text(std::string_view text) {
  PerfMap map("");
  map.add_text(text);
  return map;
}

const std::string* PerfMap::find(std::uint64_t pc) const {
  auto it = entries_.upper_bound(pc);
  if (it == entries_.begin()) return nullptr;
  --it;
  return pc < it->second.end ? &it->second.name : nullptr;
}

const std::string* PerfMap::name_at(std::uint64_t pc) {
  if (const std::string* name = find(pc)) return name;
  if (path_.empty() || (ever_read_ && monotonic_ns() - last_read_ns_ < kReadEveryNs)) {
    return nullptr;
  }
  read_more();
  return find(pc);
}

void PerfMap::read_more() {
  ever_read_ = true;
  last_read_ns_ = monotonic_ns();
  UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return;
  std::array<char, 65536> buffer{};
  std::string added = std::move(partial_);
  partial_.clear();
  for (;;) {
    const ssize_t n = ::pread(fd.get(), buffer.data(), buffer.size(), static_cast<off_t>(offset_));
    if (n <= 0) break;
    offset_ += static_cast<std::uint64_t>(n);
    added.append(buffer.data(), static_cast<std::size_t>(n));
  }
  // A line the JIT is still writing is completed by the next read.
  const auto last_newline = added.rfind('\n');
  if (last_newline == std::string::npos) {
    partial_ = std::move(added);
    return;
  }
  partial_ = added.substr(last_newline + 1);
  added.resize(last_newline + 1);
  add_text(added);
}

void PerfMap::add_text(std::string_view text) {
  text_.append(text);
  while (!text.empty()) {
    const auto newline = text.find('\n');
    add_line(text.substr(0, newline));
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
}

void PerfMap::add_line(std::string_view line) {
  std::uint64_t start = 0, size = 0;
  if (!take_hex(line, start) || !take_hex(line, size) || size == 0 || line.empty()) return;
  const std::uint64_t end = start + size;
  // The newest code at these addresses replaces whatever was there.
  auto it = entries_.upper_bound(start);
  if (it != entries_.begin() && std::prev(it)->second.end > start) --it;
  while (it != entries_.end() && it->first < end) it = entries_.erase(it);
  entries_.emplace(start, Entry{end, std::string(line)});
}

}  // namespace cspy::modules
