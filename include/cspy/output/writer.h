// Output writers: turn a Profile into a file format (folded stacks, flamegraph SVG,
// speedscope JSON, pprof). Each writer is a function over the Profile and options; they write
// to a std::ostream so tests can render into memory. See output_file.h for atomic files.
#pragma once

#include <ostream>
#include <string>

#include "cspy/aggregate/profile.h"
#include "cspy/core/result.h"

namespace cspy::output {

enum class Format { kFolded, kFlamegraph, kSpeedscope, kPprof };

struct WriteOptions {
  bool thread_roots = false;  // --threads: a root frame per thread
  bool lines = false;         // --lines: show file:line in frame labels
  bool reverse = false;       // --reverse: icicle / bottom-up (flamegraph)
  std::string title;          // --title (flamegraph); empty = default
  double min_width_px = 0.1;  // flamegraph: prune frames narrower than this
};

// Chooses a format from a file name's extension (.svg, .folded/.txt, .json/.speedscope.json,
// .pb.gz/.pprof).
Result<Format> format_from_path(const std::string& path);
// By name: flamegraph (or svg), folded (or raw, py-spy's name for it), speedscope, pprof.
Result<Format> format_from_name(const std::string& name);

// Folded stacks, one line per distinct stack: "root;caller;leaf count" (flamegraph.pl input).
void write_folded(const aggregate::Profile& profile, const WriteOptions& options,
                  std::ostream& out);

// An interactive flamegraph SVG (flamegraph.cpp): self-contained, zoom on click, regex
// search (Ctrl-F), tooltips; an icicle of the inverted tree with options.reverse. Every
// string from the target is XML-escaped and never enters the embedded script.
void write_flamegraph(const aggregate::Profile& profile, const WriteOptions& options,
                      std::ostream& out);

// speedscope JSON (speedscope.cpp): one sampled profile per thread, time-ordered when the
// profile keeps a timeline. options.thread_roots and options.reverse do not apply.
void write_speedscope(const aggregate::Profile& profile, const WriteOptions& options,
                      std::ostream& out);

// pprof (pprof.cpp): gzip-compressed profile.proto, as `go tool pprof`, Pyroscope and Parca
// read it. Sample types samples/count and cpu/nanoseconds (only wall/nanoseconds with
// --idle, off_cpu/nanoseconds with --off-cpu; only samples/count when the rate is unknown); threads
// as labels (thread, thread_id), not root frames; one Location per distinct physical frame with its
// inlined frames (the Profile keeps no addresses, so Location addresses are 0), in the Mapping of
// its binary with the binary's build-id. options.lines keeps line numbers; thread_roots and reverse
// do not apply.
void write_pprof(const aggregate::Profile& profile, const WriteOptions& options, std::ostream& out);

// Dispatches to the writer for `format`.
void write_profile(Format format, const aggregate::Profile& profile, const WriteOptions& options,
                   std::ostream& out);

}  // namespace cspy::output
