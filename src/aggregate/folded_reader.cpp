// Folded stacks read back into a Profile.
#include "cspy/aggregate/folded_reader.h"

#include <charconv>
#include <utility>
#include <vector>

#include <fmt/core.h>

namespace cspy::aggregate {

namespace {

struct FoldedLine {
  std::vector<FrameId> stack;
  std::uint64_t count = 0;
};

// "a;b;c 12" -> frames a, b, c and 12; nullopt-like error text otherwise.
Result<FoldedLine> parse_line(std::string_view line, FrameTable& frames) {
  auto space = line.find_last_of(" \t");
  if (space == std::string_view::npos) return Error(ErrorKind::kBadInput, "no sample count");
  std::string_view count_text = line.substr(space + 1);
  std::string_view stack = line.substr(0, space);
  while (!stack.empty() && (stack.back() == ' ' || stack.back() == '\t')) stack.remove_suffix(1);
  FoldedLine out;
  const char* end = count_text.data() + count_text.size();
  auto [ptr, ec] = std::from_chars(count_text.data(), end, out.count);
  if (ec != std::errc() || ptr != end || count_text.empty()) {
    return Error(ErrorKind::kBadInput, fmt::format("'{}' is not a sample count", count_text));
  }
  if (stack.empty()) return Error(ErrorKind::kBadInput, "no stack before the count");
  for (std::size_t from = 0;;) {
    auto semi = stack.find(';', from);
    std::string_view name = stack.substr(from, semi == std::string_view::npos ? semi : semi - from);
    if (name.empty()) return Error(ErrorKind::kBadInput, "an empty frame name");
    out.stack.push_back(frames.intern(Frame{.function = std::string(name)}));
    if (semi == std::string_view::npos) break;
    from = semi + 1;
  }
  return out;
}

}  // namespace

Result<void> add_folded_stacks(std::string_view text, Profile& profile, pid_t tid) {
  std::vector<FoldedLine> lines;
  std::size_t number = 0;
  for (std::size_t from = 0; from < text.size();) {
    auto newline = text.find('\n', from);
    if (newline == std::string_view::npos) newline = text.size();
    std::string_view line = text.substr(from, newline - from);
    from = newline + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto parsed = parse_line(line, profile.frames());
    if (!parsed) {
      return Error(ErrorKind::kBadInput,
                   fmt::format("line {}: {}", number, parsed.error().message()));
    }
    lines.push_back(std::move(*parsed));
  }
  for (const FoldedLine& line : lines) profile.add_sample(tid, line.stack, 0, line.count);
  return {};
}

}  // namespace cspy::aggregate
