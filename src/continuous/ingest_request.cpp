// Pyroscope's POST /ingest: the query string and the multipart/form-data body.
#include "cspy/continuous/ingest_request.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/core.h>

namespace cspy::continuous {

std::string url_encode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string ingest_name(const IngestTarget& target) {
  std::string name = target.app + "{";
  for (std::size_t i = 0; i < target.tags.size(); ++i) {
    if (i > 0) name += ',';
    name += target.tags[i].first + "=" + target.tags[i].second;
  }
  return name + "}";
}

std::string tag_problem(std::string_view key, std::string_view value) {
  const bool key_ok = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
  });
  if (!key_ok) return "a tag's key is letters, digits, '_' and '.'";
  if (value.empty() || value.find_first_of("{},= \t") != std::string_view::npos) {
    return "a tag's value is not empty and has no '{', '}', ',', '=' or space";
  }
  return "";
}

namespace {

// The server's /ingest endpoint, whether the URL names it or not.
std::string ingest_url(std::string server) {
  while (!server.empty() && server.back() == '/') server.pop_back();
  if (!server.ends_with("/ingest")) server += "/ingest";
  return server;
}

// A boundary that does not occur in `data` (RFC 2046, 5.1.1).
std::string boundary_for(const std::string& data) {
  std::string boundary = "cspy-interval-profile";
  for (int n = 0; data.find(boundary) != std::string::npos; ++n) {
    boundary = fmt::format("cspy-interval-profile-{}", n);
  }
  return boundary;
}

}  // namespace

HttpRequest ingest_request(const IngestTarget& target, std::uint64_t from_unix_ns,
                           std::uint64_t until_unix_ns, const std::string& data) {
  constexpr std::uint64_t kSecond = 1'000'000'000ULL;
  const std::uint64_t from = from_unix_ns / kSecond;
  const std::uint64_t until = std::max(until_unix_ns / kSecond, from + 1);
  const bool pprof = target.format == IngestFormat::kPprof;
  HttpRequest request;
  request.url = fmt::format("{}?name={}&from={}&until={}&sampleRate={}&spyName=cspy&format={}",
                            ingest_url(target.server), url_encode(ingest_name(target)), from, until,
                            std::llround(target.rate_hz), pprof ? "pprof" : "folded");
  if (!pprof) {
    request.content_type = "text/plain";
    request.body = data;
    return request;
  }
  const std::string boundary = boundary_for(data);
  request.content_type = "multipart/form-data; boundary=" + boundary;
  request.body = fmt::format(
      "--{}\r\nContent-Disposition: form-data; name=\"profile\"; filename=\"profile.pb.gz\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\n",
      boundary);
  request.body += data;
  request.body += fmt::format("\r\n--{}--\r\n", boundary);
  return request;
}

}  // namespace cspy::continuous
