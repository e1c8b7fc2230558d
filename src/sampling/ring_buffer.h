// RingBuffer: one mmap'd perf_event ring (its metadata page and data pages), drained
// record by record by the reader thread. Used by the per-thread events (one ring each) and
// by CpuRings (one ring per CPU shared by many threads' events). Move-only; unmaps itself.
#pragma once

#include <linux/perf_event.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace cspy::sampling {

class RingBuffer {
 public:
  RingBuffer() = default;
  RingBuffer(void* base, std::size_t data_size) : base_(base), data_size_(data_size) {}
  RingBuffer(RingBuffer&& o) noexcept
      : base_(std::exchange(o.base_, nullptr)), data_size_(o.data_size_) {}
  RingBuffer& operator=(RingBuffer&&) = delete;
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;
  ~RingBuffer() {
    if (base_ != nullptr) ::munmap(base_, data_size_ + page_size());
  }
  static std::size_t page_size() { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }
  // The bytes mapped (and locked by the kernel): the data pages and the metadata page.
  std::size_t mapped_bytes() const { return base_ == nullptr ? 0 : data_size_ + page_size(); }

  // Maps the ring of event `fd`, halving from `data_size` down to `min_size` while the
  // locked-memory limit refuses it; an empty RingBuffer (errno set) when none fits.
  static RingBuffer map(int fd, std::size_t data_size, std::size_t min_size) {
    for (;;) {
      void* base =
          ::mmap(nullptr, data_size + page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (base != MAP_FAILED) return RingBuffer(base, data_size);
      if (data_size / 2 < min_size) return {};
      data_size /= 2;
    }
  }

  // Calls fn(header, record bytes) for each complete record, then frees the space.
  template <typename Fn>
  void drain(std::vector<std::uint8_t>& scratch, Fn&& fn) {
    auto* meta = static_cast<perf_event_mmap_page*>(base_);
    std::uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
    std::uint64_t tail = meta->data_tail;
    auto* data = static_cast<std::uint8_t*>(base_) + page_size();
    while (tail + sizeof(perf_event_header) <= head) {
      perf_event_header hdr{};
      copy_out(data, tail, &hdr, sizeof hdr);
      if (hdr.size < sizeof hdr || tail + hdr.size > head) break;
      scratch.resize(hdr.size);
      copy_out(data, tail, scratch.data(), hdr.size);
      fn(hdr, scratch.data());
      tail += hdr.size;
    }
    __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
  }

 private:
  void copy_out(const std::uint8_t* data, std::uint64_t pos, void* dst, std::size_t n) const {
    std::size_t off = pos % data_size_;
    std::size_t first = std::min(n, data_size_ - off);
    std::memcpy(dst, data + off, first);
    if (first < n) std::memcpy(static_cast<std::uint8_t*>(dst) + first, data, n - first);
  }
  void* base_ = nullptr;
  std::size_t data_size_ = 0;
};

}  // namespace cspy::sampling
