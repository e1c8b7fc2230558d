// MapsTimeline: a maps read plus the kernel's timed mapping and exec records after it.
#include "cspy/modules/maps_timeline.h"

#include <algorithm>
#include <utility>

namespace cspy::modules {

MapsTimeline::MapsTimeline(std::uint64_t base_ns, std::string_view base_text)
    : base_ns_(base_ns), base_(parse_maps(base_text)) {
  std::sort(base_.begin(), base_.end(),
            [](const Mapping& a, const Mapping& b) { return a.start < b.start; });
  current_ = base_;
}

void MapsTimeline::add_mapping(std::uint64_t time_ns, Mapping mapping) {
  if (mapping.end <= mapping.start) return;
  insert(Record{.time_ns = time_ns, .exec = false, .mapping = std::move(mapping)});
}

void MapsTimeline::add_exec(std::uint64_t time_ns) {
  insert(Record{.time_ns = time_ns, .exec = true, .mapping = {}});
}

void MapsTimeline::insert(Record record) {
  if (record.time_ns <= base_ns_) return;
  // After the records of the same time: the kernel wrote them in that order.
  auto at = std::upper_bound(records_.begin(), records_.end(), record.time_ns,
                             [](std::uint64_t t, const Record& r) { return t < r.time_ns; });
  const auto index = static_cast<std::size_t>(at - records_.begin());
  if (index < applied_) {  // before what current_ holds: made again when next asked
    current_ = base_;
    applied_ = 0;
  }
  records_.insert(at, std::move(record));
}

std::uint64_t MapsTimeline::version_at(std::uint64_t time_ns) const {
  auto end = std::upper_bound(records_.begin(), records_.end(), time_ns,
                              [](std::uint64_t t, const Record& r) { return t < r.time_ns; });
  return folded_ + static_cast<std::uint64_t>(end - records_.begin());
}

// A mapping replaces whatever it overlaps: the parts of others outside it stay (a file's
// offset moved along with the start of a part cut at its front).
void MapsTimeline::apply(const Record& record, std::vector<Mapping>& maps) {
  if (record.exec) {
    maps.clear();
    return;
  }
  const Mapping& m = record.mapping;
  std::vector<Mapping> kept;
  kept.reserve(maps.size() + 2);
  for (Mapping& old : maps) {
    if (old.end <= m.start || old.start >= m.end) {
      kept.push_back(std::move(old));
      continue;
    }
    if (old.start < m.start) {
      Mapping front = old;
      front.end = m.start;
      kept.push_back(std::move(front));
    }
    if (old.end > m.end) {
      Mapping back = std::move(old);
      if (back.inode != 0 || back.path.starts_with("/")) back.offset += m.end - back.start;
      back.start = m.end;
      kept.push_back(std::move(back));
    }
  }
  auto at = std::lower_bound(kept.begin(), kept.end(), m.start,
                             [](const Mapping& a, std::uint64_t s) { return a.start < s; });
  kept.insert(at, m);
  maps = std::move(kept);
}

std::string MapsTimeline::text_at(std::uint64_t time_ns) const {
  const auto wanted = static_cast<std::size_t>(version_at(time_ns) - folded_);
  if (wanted < applied_) {
    current_ = base_;
    applied_ = 0;
  }
  for (; applied_ < wanted; ++applied_) apply(records_[applied_], current_);
  std::string text;
  for (const Mapping& m : current_) text += format_maps_line(m);
  return text;
}

void MapsTimeline::forget_before(std::uint64_t time_ns) {
  while (!records_.empty() && records_.front().time_ns < time_ns) {
    apply(records_.front(), base_);
    base_ns_ = records_.front().time_ns;
    records_.pop_front();
    ++folded_;
    if (applied_ > 0) {
      --applied_;
    } else {
      current_ = base_;
    }
  }
}

}  // namespace cspy::modules
