// HttpPoster over libcurl's easy interface: one handle reused (its connection kept alive).
#include "cspy/continuous/http_poster.h"

#include <curl/curl.h>

#include <mutex>

#include <fmt/core.h>

namespace cspy::continuous {

namespace {

// curl_global_init once, before the first handle (it is not thread-safe to race).
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t discard(char* /*data*/, std::size_t size, std::size_t count, void* /*user*/) {
  return size * count;
}

class CurlPoster final : public HttpPoster {
 public:
  explicit CurlPoster(std::chrono::milliseconds timeout) : timeout_(timeout) {
    init_curl_once();
    curl_ = curl_easy_init();
  }
  CurlPoster(const CurlPoster&) = delete;
  CurlPoster& operator=(const CurlPoster&) = delete;
  ~CurlPoster() override {
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
  }

  Result<long> post(const HttpRequest& request) override {
    if (curl_ == nullptr) return Error("libcurl could not be initialised");
    curl_easy_reset(curl_);
    const std::string content_type = "Content-Type: " + request.content_type;
    curl_slist* headers = curl_slist_append(nullptr, content_type.c_str());
    // No "Expect: 100-continue" round trip before the body.
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);  // a thread of its own: no SIGALRM
    curl_easy_setopt(curl_, CURLOPT_USERAGENT, "cspy");
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, discard);
    const CURLcode code = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    if (code != CURLE_OK) return Error(curl_easy_strerror(code));
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

 private:
  std::chrono::milliseconds timeout_;
  CURL* curl_ = nullptr;
};

}  // namespace

std::unique_ptr<HttpPoster> make_curl_poster(std::chrono::milliseconds timeout) {
  return std::make_unique<CurlPoster>(timeout);
}

}  // namespace cspy::continuous
