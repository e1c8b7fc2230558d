// Sends one HTTP POST and says how it went: the interface the Uploader talks to, so that
// its tests count attempts without a server, and its libcurl implementation (HTTP and
// HTTPS, redirects not followed, a time limit per request).
#pragma once

#include <chrono>
#include <memory>

#include "cspy/continuous/ingest_request.h"
#include "cspy/core/result.h"

namespace cspy::continuous {

class HttpPoster {
 public:
  virtual ~HttpPoster() = default;
  // The server's status code (any: 2xx is success to the caller), or an Error when no
  // answer came (connection refused, timed out, ...).
  virtual Result<long> post(const HttpRequest& request) = 0;
};

std::unique_ptr<HttpPoster> make_curl_poster(std::chrono::milliseconds timeout);

}  // namespace cspy::continuous
