// record --every: options, the interval writer and uploader, and what is said at the end.
#include "continuous_record.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <fmt/core.h>

#include "cspy/output/output_file.h"

namespace po = boost::program_options;

namespace cspy::cli {

namespace {

constexpr std::size_t kQueuedUploads = 20;  // 10 minutes of 30 s intervals
constexpr auto kUploadTimeout = std::chrono::milliseconds(10000);
constexpr auto kUploadGrace = std::chrono::milliseconds(5000);

const char* extension_of(output::Format format) {
  switch (format) {
    case output::Format::kFlamegraph:
      return ".svg";
    case output::Format::kFolded:
      return ".folded";
    case output::Format::kPprof:
      return ".pb.gz";
    case output::Format::kSpeedscope:
      return ".json";
  }
  return ".pb.gz";
}

}  // namespace

void add_continuous_options(po::options_description& d, ContinuousOptions& c) {
  d.add_options()(
      "every", po::value<std::string>(&c.every)->value_name("DURATION"),
      "continuous recording: one profile per DURATION (30s, 5m, 1h) until Ctrl-C, --duration "
      "or the target's exit, each in a time-stamped file in -o DIR/ (pprof unless -f or "
      "-o DIR/NAME.EXT says otherwise)")(
      "upload", po::value<std::string>(&c.upload)->value_name("URL"),
      "with --every: also send each interval to a Pyroscope server (POST URL/ingest); without "
      "-o no files are written")(
      "app-name", po::value<std::string>(&c.app_name)->value_name("NAME"),
      "with --upload: the application's name (default: the target's command name)")(
      "tag", po::value<std::vector<std::string>>(&c.tags)->value_name("KEY=VALUE"),
      "with --upload: a label of every interval (repeatable)");
}

Result<std::uint64_t> parse_every(const std::string& text) {
  const auto bad = [&] {
    return Error(
        ErrorKind::kUsage,
        fmt::format("--every {}: give seconds, or a number with s, m or h (30s, 5m, 1h)", text));
  };
  if (text.empty()) return bad();
  double unit = 1;
  std::string number = text;
  switch (text.back()) {
    case 's':
      number.pop_back();
      break;
    case 'm':
      unit = 60;
      number.pop_back();
      break;
    case 'h':
      unit = 3600;
      number.pop_back();
      break;
    default:
      break;
  }
  if (number.empty() || number.find_first_not_of("0123456789.") != std::string::npos) {
    return bad();
  }
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end == nullptr || *end != '\0' || !std::isfinite(value)) return bad();
  const double seconds = value * unit;
  if (seconds < 1) {
    return Error(ErrorKind::kUsage, "--every must be at least 1s (file names are to the second)");
  }
  if (seconds > 7 * 86400) return Error(ErrorKind::kUsage, "--every must be at most 7 days");
  return static_cast<std::uint64_t>(std::llround(seconds * 1e9));
}

std::optional<std::string> continuous_invalid(const ContinuousOptions& c) {
  if (!c.enabled()) {
    if (!c.upload.empty()) return "--upload is for continuous recording: add --every 60s";
    if (!c.app_name.empty() || !c.tags.empty()) return "--app-name and --tag go with --upload";
    return std::nullopt;
  }
  if (auto every = parse_every(c.every); !every) return every.error().message();
  if (c.upload.empty() && (!c.app_name.empty() || !c.tags.empty())) {
    return "--app-name and --tag go with --upload";
  }
  if (!c.upload.empty() && !c.upload.starts_with("http://") && !c.upload.starts_with("https://")) {
    return "--upload " + c.upload + ": give an http:// or https:// URL";
  }
  for (const std::string& tag : c.tags) {
    const std::size_t eq = tag.find('=');
    if (eq == std::string::npos) return "--tag " + tag + ": give KEY=VALUE";
    std::string problem = continuous::tag_problem(tag.substr(0, eq), tag.substr(eq + 1));
    if (!problem.empty()) return fmt::format("--tag {}: {}", tag, problem);
  }
  if (c.app_name.find_first_of("{}, \t") != std::string::npos) {
    return "--app-name has no '{', '}', ',' or space";
  }
  return std::nullopt;
}

Result<std::unique_ptr<ContinuousOutput>> ContinuousOutput::start(
    const ContinuousOptions& options, const std::string& output, output::Format format,
    const output::WriteOptions& write, const process::Target& target, double rate_hz) {
  std::unique_ptr<ContinuousOutput> out(new ContinuousOutput());
  std::string name = target.name().empty() ? "target" : target.name();
  continuous::IntervalOutput settings{.format = format, .write = write};
  if (!output.empty() || options.upload.empty()) {
    if (output.size() > 1 && output.back() == '/' && ::mkdir(output.c_str(), 0777) != 0 &&
        errno != EEXIST) {
      return Error(ErrorKind::kBadInput,
                   fmt::format("cannot create the directory {}: {}", output, std::strerror(errno)));
    }
    auto files = continuous::interval_files_from(
        output, fmt::format("cspy-{}-{}", name, target.pid()), extension_of(format));
    // A first file name: the directory takes files.
    auto writable = output::check_writable(continuous::interval_path(files, 0));
    if (!writable) return writable.error();
    out->where_ = files.directory.empty() ? "." : files.directory;
    settings.files = std::move(files);
  }
  if (!options.upload.empty()) {
    out->server_ = options.upload;
    out->uploader_ = std::make_unique<continuous::Uploader>(
        continuous::make_curl_poster(kUploadTimeout), kQueuedUploads);
    settings.uploader = out->uploader_.get();
    settings.ingest.server = options.upload;
    settings.ingest.app = options.app_name.empty() ? name : options.app_name;
    for (const std::string& tag : options.tags) {
      const std::size_t eq = tag.find('=');
      settings.ingest.tags.emplace_back(tag.substr(0, eq), tag.substr(eq + 1));
    }
    settings.ingest.rate_hz = rate_hz;
    settings.ingest.format = format == output::Format::kFolded ? continuous::IngestFormat::kFolded
                                                               : continuous::IngestFormat::kPprof;
  }
  out->writer_ = std::make_unique<continuous::IntervalWriter>(std::move(settings));
  return out;
}

ContinuousOutput::~ContinuousOutput() {
  // The writer pushes into the uploader: it stops first.
  if (writer_) writer_->finish();
  if (uploader_) uploader_->finish(std::chrono::milliseconds(0));
}

void ContinuousOutput::drain(pipeline::Session& session) {
  while (auto interval = session.take_interval()) writer_->push(std::move(*interval));
  if (uploader_) {
    const std::string failure = uploader_->take_first_failure();
    if (!failure.empty()) {
      (void)std::fprintf(stderr,
                         "cspy: warning: cannot upload to %s: %s (retrying; intervals are "
                         "dropped when %zu wait)\n",
                         server_.c_str(), failure.c_str(), kQueuedUploads);
    }
  }
}

aggregate::Counters ContinuousOutput::counters_with(const aggregate::Profile& open) const {
  aggregate::Counters c = writer_->stats().totals;
  continuous::add_counters(c, open.counters());
  return c;
}

aggregate::Counters ContinuousOutput::finish(bool quiet, double cut_s) {
  writer_->finish();
  if (uploader_) uploader_->finish(kUploadGrace);
  const continuous::WriterStats w = writer_->stats();
  error_ = w.first_error;
  if (!quiet && !where_.empty()) {
    (void)std::fprintf(stderr, "cspy: wrote %llu profiles to %s (%llu intervals",
                       static_cast<unsigned long long>(w.files), where_.c_str(),
                       static_cast<unsigned long long>(w.intervals));
    if (w.dropped > 0) {
      (void)std::fprintf(stderr, ", %llu dropped: the disk was too slow",
                         static_cast<unsigned long long>(w.dropped));
    }
    (void)std::fprintf(stderr, "; longest cut %.1f ms, slowest write %.0f ms)\n", cut_s * 1e3,
                       w.max_write_s * 1e3);
  }
  if (uploader_) {
    const continuous::UploadStats u = uploader_->stats();
    // Also with --quiet when something was lost.
    if (!quiet || u.dropped > 0) {
      (void)std::fprintf(stderr,
                         "cspy: uploaded %llu intervals to %s (%llu after retries), %llu "
                         "dropped, %llu failed attempts\n",
                         static_cast<unsigned long long>(u.delivered), server_.c_str(),
                         static_cast<unsigned long long>(u.delivered_late),
                         static_cast<unsigned long long>(u.dropped),
                         static_cast<unsigned long long>(u.failed_attempts));
    }
  }
  return w.totals;
}

}  // namespace cspy::cli
