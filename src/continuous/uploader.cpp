// The Uploader's thread: front of the queue first, back-off between failed tries.
#include "cspy/continuous/uploader.h"

#include <algorithm>

#include <fmt/core.h>

namespace cspy::continuous {

Uploader::Uploader(std::unique_ptr<HttpPoster> poster, std::size_t capacity, BackOff back_off)
    : poster_(std::move(poster)),
      capacity_(std::max<std::size_t>(capacity, 1)),
      back_off_(back_off),
      thread_([this] { run(); }) {}

Uploader::~Uploader() { finish(std::chrono::milliseconds(0)); }

void Uploader::push(HttpRequest request) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ++stats_.dropped;
      return;
    }
    if (queue_.size() >= capacity_) {
      // The oldest goes: a server back after an outage gets the latest intervals.
      queue_.pop_front();
      ++stats_.dropped;
    }
    queue_.push_back(Pending{.request = std::move(request)});
  }
  wake_.notify_all();
}

bool Uploader::attempt(const HttpRequest& request) {
  auto status = poster_->post(request);
  if (status && *status >= 200 && *status < 300) return true;
  std::lock_guard lock(mutex_);
  ++stats_.failed_attempts;
  if (first_failure_.empty()) {
    first_failure_ =
        status ? fmt::format("the server answered HTTP {}", *status) : status.error().message();
  }
  return false;
}

void Uploader::run() {
  std::chrono::milliseconds wait = back_off_.first;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() || (stopping_ && std::chrono::steady_clock::now() >= deadline_)) break;
    Pending pending = queue_.front();  // a copy: push() may drop the front meanwhile
    lock.unlock();
    const bool ok = attempt(pending.request);
    lock.lock();
    // The front may have been dropped while the request was out: count what was sent.
    const bool same = !queue_.empty() && queue_.front().request.url == pending.request.url;
    if (ok) {
      ++stats_.delivered;
      if (same ? queue_.front().late : pending.late) ++stats_.delivered_late;
      if (same) queue_.pop_front();
      wait = back_off_.first;
      continue;
    }
    for (Pending& p : queue_) p.late = true;
    if (stopping_) {
      if (same) {  // at the end, one try each
        queue_.pop_front();
        ++stats_.dropped;
      }
      continue;
    }
    // Back off; a stop request ends the wait.
    wake_.wait_for(lock, wait, [this] { return stopping_; });
    wait = std::min(wait * 2, back_off_.max);
  }
  stats_.dropped += queue_.size();
  queue_.clear();
}

void Uploader::finish(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      deadline_ = std::chrono::steady_clock::now() + grace;
    }
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

UploadStats Uploader::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::string Uploader::take_first_failure() {
  std::lock_guard lock(mutex_);
  if (failure_told_ || first_failure_.empty()) return "";
  failure_told_ = true;
  return first_failure_;
}

}  // namespace cspy::continuous
