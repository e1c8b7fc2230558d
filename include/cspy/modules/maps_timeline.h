// MapsTimeline: one process's memory maps over time, so that a sample is named with the
// maps in force when it was taken, however late it is named. Built from a /proc/PID/maps
// read (the base, read at `base_ns`) and the kernel's timed records after it: a mapping
// made (mmap, or mprotect of part of one; it replaces what was there) and an exec (every
// mapping goes). Records may come a little out of order: each takes its place by time.
//   MapsTimeline t(read_ns, text); t.add_mapping(ns, m); t.text_at(sample_ns);
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "cspy/modules/elf_file.h"

namespace cspy::modules {

class MapsTimeline {
 public:
  MapsTimeline(std::uint64_t base_ns, std::string_view base_text);

  // Records at or before the base's time are in it already, and are ignored.
  void add_mapping(std::uint64_t time_ns, Mapping mapping);
  void add_exec(std::uint64_t time_ns);

  // Which version is in force at `time_ns`: equal numbers, equal maps. A time before the
  // base's (or before what forget_before() dropped) gets the oldest version kept.
  std::uint64_t version_at(std::uint64_t time_ns) const;
  // The maps in force at `time_ns`, as /proc/PID/maps text (sorted by address).
  std::string text_at(std::uint64_t time_ns) const;
  // Folds the records up to `time_ns` into the base (bounded memory): no sample taken
  // before it will be named exactly any more.
  void forget_before(std::uint64_t time_ns);
  std::size_t records() const { return records_.size(); }

 private:
  struct Record {
    std::uint64_t time_ns = 0;
    bool exec = false;
    Mapping mapping;
  };
  void insert(Record record);
  static void apply(const Record& record, std::vector<Mapping>& maps);

  std::uint64_t base_ns_;
  std::vector<Mapping> base_;
  std::deque<Record> records_;  // after base_ns_, by time
  std::uint64_t folded_ = 0;    // records folded into the base so far
  // The maps after the first `applied_` records: samples come in time order, so the next
  // version asked for is mostly this one or a later one (a few records more to apply).
  mutable std::vector<Mapping> current_;
  mutable std::size_t applied_ = 0;
};

}  // namespace cspy::modules
