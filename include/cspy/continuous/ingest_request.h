// The HTTP request that gives one interval to a Pyroscope server, as its ingest API is
// documented (https://grafana.com/docs/pyroscope/latest/configure-server/about-server-api/,
// "Ingestion"): POST URL/ingest?name=APP{k=v,...}&from=S&until=S&sampleRate=HZ&spyName=cspy
// &format=pprof, the gzipped pprof in the multipart/form-data file field `profile` (the
// form the "pprof format" section describes), or &format=folded with folded text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cspy::continuous {

struct HttpRequest {
  std::string url;
  std::string content_type;
  std::string body;
};

enum class IngestFormat { kPprof, kFolded };

// Where and under which name intervals go.
struct IngestTarget {
  std::string server;  // "http://host:4040" (a trailing '/' or "/ingest" is allowed)
  std::string app;     // application name, e.g. the target's comm
  std::vector<std::pair<std::string, std::string>> tags;  // labels, {k=v,...} after the name
  double rate_hz = 100;
  IngestFormat format = IngestFormat::kPprof;
};

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string url_encode(std::string_view text);

// "app{k=v,...}" ("app{}" without tags).
std::string ingest_name(const IngestTarget& target);

// Why a --tag key or value cannot go into a name ("" when it can): keys are
// [A-Za-z0-9_.]+, values have no '{', '}', ',', '=' or space.
std::string tag_problem(std::string_view key, std::string_view value);

// The request for the interval [from, until) (nanoseconds since the epoch; sent as whole
// seconds). `data`: the gzipped pprof, or the folded text.
HttpRequest ingest_request(const IngestTarget& target, std::uint64_t from_unix_ns,
                           std::uint64_t until_unix_ns, const std::string& data);

}  // namespace cspy::continuous
