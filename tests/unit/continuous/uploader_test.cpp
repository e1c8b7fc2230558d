// The Uploader against a fake server: deliveries in order, retries with back-off while the
// server fails (delivered late), the oldest dropped when the queue is full, what is left
// at the end counted dropped, and push() never waiting for the server.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "cspy/continuous/uploader.h"

namespace cspy::continuous {
namespace {

using namespace std::chrono_literals;

// A server that fails while `down`, and takes `delay` per request.
struct FakeServer {
  std::mutex mutex;
  std::vector<std::string> received;
  std::atomic<bool> down{false};
  std::atomic<int> attempts{0};
  std::chrono::milliseconds delay{0};
};

class FakePoster final : public HttpPoster {
 public:
  explicit FakePoster(FakeServer& server) : server_(server) {}
  Result<long> post(const HttpRequest& request) override {
    ++server_.attempts;
    std::this_thread::sleep_for(server_.delay);
    if (server_.down) return Error("Couldn't connect to server");
    std::lock_guard lock(server_.mutex);
    server_.received.push_back(request.url);
    return 200L;
  }

 private:
  FakeServer& server_;
};

HttpRequest request(int n) { return HttpRequest{.url = "u" + std::to_string(n)}; }

TEST(Uploader, DeliversInOrder) {
  FakeServer server;
  Uploader uploader(std::make_unique<FakePoster>(server), 4);
  for (int i = 0; i < 3; ++i) uploader.push(request(i));
  uploader.finish(5s);
  EXPECT_EQ(server.received, (std::vector<std::string>{"u0", "u1", "u2"}));
  const UploadStats s = uploader.stats();
  EXPECT_EQ(s.delivered, 3u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(uploader.take_first_failure(), "");
}

TEST(Uploader, RetriesWhileTheServerIsDownThenDeliversLate) {
  FakeServer server;
  server.down = true;
  Uploader uploader(std::make_unique<FakePoster>(server), 4, BackOff{10ms, 40ms});
  uploader.push(request(0));
  uploader.push(request(1));
  std::this_thread::sleep_for(150ms);
  EXPECT_GE(server.attempts.load(), 3) << "back-off 10, 20, 40, 40 ms";
  EXPECT_EQ(uploader.take_first_failure(), "Couldn't connect to server");
  EXPECT_EQ(uploader.take_first_failure(), "") << "said once";
  server.down = false;
  std::this_thread::sleep_for(150ms);
  uploader.finish(1s);
  const UploadStats s = uploader.stats();
  EXPECT_EQ(s.delivered, 2u);
  EXPECT_EQ(s.delivered_late, 2u) << "both waited while the server was down";
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_GE(s.failed_attempts, 3u);
}

TEST(Uploader, DropsTheOldestWhenFullAndWhatIsLeftAtTheEnd) {
  FakeServer server;
  server.down = true;
  Uploader uploader(std::make_unique<FakePoster>(server), 2, BackOff{1000ms, 1000ms});
  const auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) uploader.push(request(i));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 100ms) << "push() does not wait";
  uploader.finish(0ms);
  const UploadStats s = uploader.stats();
  EXPECT_EQ(s.delivered, 0u);
  EXPECT_EQ(s.dropped, 5u);
}

TEST(Uploader, ASlowServerDoesNotSlowPush) {
  FakeServer server;
  server.delay = 200ms;
  Uploader uploader(std::make_unique<FakePoster>(server), 8);
  const auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) uploader.push(request(i));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 100ms);
  uploader.finish(5s);
  EXPECT_EQ(uploader.stats().delivered, 4u);
}

}  // namespace
}  // namespace cspy::continuous
