// Delivers requests (one interval each) to a server on a thread of its own, so that the
// sampler never waits for the network: a bounded queue (when full, the oldest request is
// dropped and counted), retries with exponential back-off while the server fails (an
// answer other than 2xx, or none), and the first failure kept for one warning line.
// Use: push() per interval; finish(grace) at the end, then stats().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cspy/continuous/http_poster.h"

namespace cspy::continuous {

struct BackOff {
  std::chrono::milliseconds first{1000};  // after the first failure
  std::chrono::milliseconds max{30000};   // doubling up to this
};

struct UploadStats {
  std::uint64_t delivered = 0;
  std::uint64_t delivered_late = 0;  // after the server failed while it waited
  std::uint64_t dropped = 0;         // never delivered: the queue overflowed, or at the end
  std::uint64_t failed_attempts = 0;
};

class Uploader {
 public:
  Uploader(std::unique_ptr<HttpPoster> poster, std::size_t capacity, BackOff back_off = {});
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;
  ~Uploader();

  // Queues `request`; returns at once.
  void push(HttpRequest request);
  // Gives the queue up to `grace` to empty (no back-off waits any more: one try each),
  // stops the thread, and counts what is left as dropped. Safe to call twice.
  void finish(std::chrono::milliseconds grace);
  UploadStats stats() const;
  // The first failure's description, once ("" after that, or when none).
  std::string take_first_failure();

 private:
  void run();
  // Sends the front request; whether the server took it.
  bool attempt(const HttpRequest& request);

  std::unique_ptr<HttpPoster> poster_;
  const std::size_t capacity_;
  const BackOff back_off_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  // A request, and whether the server failed while it waited (it is then late).
  struct Pending {
    HttpRequest request;
    bool late = false;
  };
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point deadline_{};  // with stopping_: give up then
  UploadStats stats_;
  std::string first_failure_;
  bool failure_told_ = false;
  std::thread thread_;  // last: started when everything above is ready
};

}  // namespace cspy::continuous
