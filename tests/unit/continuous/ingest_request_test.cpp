// The Pyroscope ingest request: query parameters as documented, the name with its tags
// percent-encoded, the pprof in the multipart field `profile`, folded text as the body.
#include <gtest/gtest.h>

#include "cspy/continuous/ingest_request.h"

namespace cspy::continuous {
namespace {

constexpr std::uint64_t kSecond = 1'000'000'000ULL;

TEST(IngestRequest, PprofGoesAsTheMultipartFieldProfile) {
  IngestTarget target{.server = "http://127.0.0.1:4040/",
                      .app = "julia",
                      .tags = {{"env", "test"}, {"zone", "a"}},
                      .rate_hz = 100};
  const std::string pprof("\x1f\x8b\x08 data", 8);
  HttpRequest r = ingest_request(target, 1700000000 * kSecond + 500'000'000,
                                 1700000030 * kSecond + 500'000'000, pprof);
  EXPECT_EQ(r.url,
            "http://127.0.0.1:4040/ingest?name=julia%7Benv%3Dtest%2Czone%3Da%7D&from=1700000000"
            "&until=1700000030&sampleRate=100&spyName=cspy&format=pprof");
  ASSERT_EQ(r.content_type, "multipart/form-data; boundary=cspy-interval-profile");
  EXPECT_EQ(r.body,
            "--cspy-interval-profile\r\nContent-Disposition: form-data; name=\"profile\"; "
            "filename=\"profile.pb.gz\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
                pprof + "\r\n--cspy-interval-profile--\r\n");
}

TEST(IngestRequest, TheBoundaryIsNotInTheData) {
  IngestTarget target{.server = "http://h/ingest", .app = "a"};
  HttpRequest r = ingest_request(target, 10 * kSecond, 11 * kSecond, "x--cspy-interval-profiley");
  EXPECT_EQ(r.url.rfind("http://h/ingest?name=a%7B%7D&from=10&until=11&", 0), 0u) << r.url;
  EXPECT_EQ(r.content_type, "multipart/form-data; boundary=cspy-interval-profile-0");
}

TEST(IngestRequest, FoldedTextIsTheBody) {
  IngestTarget target{.server = "https://p.example", .app = "app", .format = IngestFormat::kFolded};
  HttpRequest r = ingest_request(target, 5 * kSecond, 5 * kSecond + 1, "main;f 3\n");
  EXPECT_EQ(r.url,
            "https://p.example/ingest?name=app%7B%7D&from=5&until=6&sampleRate=100&spyName=cspy"
            "&format=folded");
  EXPECT_EQ(r.content_type, "text/plain");
  EXPECT_EQ(r.body, "main;f 3\n");
}

TEST(IngestRequest, TagsThatCannotGoIntoANameAreRefused) {
  EXPECT_EQ(tag_problem("env", "prod"), "");
  EXPECT_EQ(tag_problem("service.name", "a-b_c"), "");
  EXPECT_NE(tag_problem("", "x"), "");
  EXPECT_NE(tag_problem("a b", "x"), "");
  EXPECT_NE(tag_problem("k", ""), "");
  EXPECT_NE(tag_problem("k", "a,b"), "");
  EXPECT_NE(tag_problem("k", "a}"), "");
}

}  // namespace
}  // namespace cspy::continuous
