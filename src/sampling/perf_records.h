// The bodies of the perf_event records the sampler's events write (PERF_RECORD_SAMPLE with
// TID | TIME [| CALLCHAIN] | REGS_USER | STACK_USER; an exec's PERF_RECORD_COMM and
// PERF_RECORD_MMAP2, with sample_id_all), read into RawSample, ExecRecord and MmapEvent. A
// body that does not fit is refused (false), never read beyond `end`.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>

#include "cspy/sampling/raw_sample.h"

namespace cspy::sampling {

// perf's x86-64 register bits: AX BX CX DX SI DI BP SP IP (0-8) and R8-R15 (16-23).
inline constexpr std::uint64_t kPerfRegsMask = 0x1ffULL | (0xffULL << 16);

struct ExecRecord {
  pid_t pid = 0;
  pid_t tid = 0;
  std::uint64_t time_ns = 0;
  std::string name;
};

// Fills `sample` from a PERF_RECORD_SAMPLE's body (after any PERF_SAMPLE_IDENTIFIER); its
// stack points into the record, and so do `kernel_ips` when given (a callchain sampled).
bool parse_sample(const std::uint8_t* p, const std::uint8_t* end, RawSample& sample,
                  std::span<const std::uint64_t>* kernel_ips = nullptr);

// Reads a PERF_RECORD_MMAP2 body: pid, tid, addr, len, pgoff, maj, min, ino, ino
// generation, prot, flags, the file name (NUL-padded to 8 bytes; "//anon" for anonymous
// memory), then the sample_id fields TID and TIME.
bool parse_mmap2(const std::uint8_t* p, const std::uint8_t* end, MmapEvent& mmap);

// Reads an exec's PERF_RECORD_COMM body: pid, tid, the new name (NUL-padded to 8 bytes),
// then the sample_id fields TID and TIME.
bool parse_exec(const std::uint8_t* p, const std::uint8_t* end, ExecRecord& exec);

}  // namespace cspy::sampling
