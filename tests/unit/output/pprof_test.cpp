// The pprof writer, read back with the classes protoc generates from the same
// profile.proto: gzip framing, sample types and period, one Location per physical frame
// with its inlined frames innermost first, Mappings with build-ids, Functions with their
// raw names, thread labels, and counts that add up to the samples taken. The small
// profile's decoded form is a golden file (tests/data/output/small.pprof.txt).
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cspy/output/escape.h"
#include "cspy/output/pprof_reader.h"
#include "cspy/output/writer.h"
#include "profile.pb.h"
#include "test_support.h"

namespace cspy::output {
namespace {

using aggregate::Frame;
using aggregate::FrameId;
using aggregate::FrameKind;
using aggregate::Profile;
using testing::check_golden;
using testing::small_profile;

std::string gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);  // gzip only, not zlib or raw deflate
  std::vector<unsigned char> input(in.begin(), in.end());
  z.next_in = input.data();
  z.avail_in = static_cast<uInt>(input.size());
  std::string out;
  std::vector<char> chunk(4096);
  int status = Z_OK;
  while (status == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    status = inflate(&z, Z_NO_FLUSH);
    out.append(chunk.data(), chunk.size() - z.avail_out);
  }
  EXPECT_EQ(status, Z_STREAM_END);
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the gzip stream";
  inflateEnd(&z);
  return out;
}

std::string render(const Profile& p, const WriteOptions& options = {}) {
  std::ostringstream out;
  write_pprof(p, options, out);
  return out.str();
}

pprof::Profile decode(const std::string& gz) {
  pprof::Profile decoded;
  EXPECT_TRUE(decoded.ParseFromString(gunzip(gz)));
  return decoded;
}

// A profile with a known binary, an inlined chain, a raw symbol name and a Python frame.
struct Fixture {
  Profile p;
  FrameId main, work, inner, helper, memcpy, py;
  Fixture() {
    auto& info = p.info();
    info.rate_hz = 250;
    info.start_unix_ns = 1'700'000'000'000'000'000ULL;
    info.duration_s = 1.5;
    info.command = "./prog --fast";
    auto& ft = p.frames();
    main = ft.intern(Frame{.function = "main", .module = "prog", .file = "/src/prog.cpp"});
    work = ft.intern(Frame{.function = "work(int)", .module = "prog", .file = "/src/prog.cpp"});
    inner = ft.intern(
        Frame{.function = "inner", .module = "prog", .file = "/src/util.h", .inlined = true});
    helper = ft.intern(
        Frame{.function = "helper", .module = "prog", .file = "/src/util.h", .inlined = true});
    memcpy = ft.intern(Frame{.function = "memcpy", .module = "libc.so.6"});
    py = ft.intern(Frame{
        .function = "run", .module = "app.py", .file = "/srv/app.py", .kind = FrameKind::kPython});
    p.set_symbol_name(work, "_Z4worki");
    p.set_symbol_name(main, "main");  // the same as its name: not kept
    p.add_module("prog", aggregate::ModuleInfo{.path = "/usr/bin/prog",
                                               .start = 0x400000,
                                               .limit = 0x480000,
                                               .build_id = "0123456789abcdef"});
    p.add_module("libc.so.6", aggregate::ModuleInfo{.path = "/lib/libc.so.6",
                                                    .start = 0x7f0000000000,
                                                    .limit = 0x7f0000200000,
                                                    .build_id = "feedface"});
    p.set_thread_name(10, "prog");
    p.add_sample(10, std::vector<FrameId>{main, work, inner, helper}, 0, 7);
    p.add_sample(10, std::vector<FrameId>{main, work, inner, helper, memcpy}, 0, 2);
    p.add_sample(11, std::vector<FrameId>{main, work}, 0, 3);
    p.add_sample(11, std::vector<FrameId>{py, work}, 0, 1);
  }
};

const std::string& text(const pprof::Profile& p, std::int64_t index) {
  return p.string_table(static_cast<int>(index));
}

TEST(Pprof, IsGzipWithSampleTypesAndPeriod) {
  Fixture f;
  const std::string gz = render(f.p);
  ASSERT_GE(gz.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  pprof::Profile d = decode(gz);
  ASSERT_GE(d.string_table_size(), 1);
  EXPECT_EQ(d.string_table(0), "");
  ASSERT_EQ(d.sample_type_size(), 2);
  EXPECT_EQ(text(d, d.sample_type(0).type()), "samples");
  EXPECT_EQ(text(d, d.sample_type(0).unit()), "count");
  EXPECT_EQ(text(d, d.sample_type(1).type()), "cpu");
  EXPECT_EQ(text(d, d.sample_type(1).unit()), "nanoseconds");
  EXPECT_EQ(text(d, d.period_type().type()), "cpu");
  EXPECT_EQ(d.period(), 4'000'000);  // 1e9 / 250 Hz
  EXPECT_EQ(d.time_nanos(), 1'700'000'000'000'000'000LL);
  EXPECT_EQ(d.duration_nanos(), 1'500'000'000LL);
  ASSERT_EQ(d.comment_size(), 1);
  EXPECT_EQ(text(d, d.comment(0)), "./prog --fast");
}

TEST(Pprof, IdleRecordingIsWallTime) {
  Fixture f;
  f.p.info().idle = true;
  pprof::Profile d = decode(render(f.p));
  ASSERT_EQ(d.sample_type_size(), 2);
  EXPECT_EQ(text(d, d.sample_type(1).type()), "wall");
  EXPECT_EQ(text(d, d.period_type().type()), "wall");
}

TEST(Pprof, UnknownRateCountsSamplesOnly) {
  Fixture f;
  f.p.info().rate_hz = 0;
  pprof::Profile d = decode(render(f.p));
  ASSERT_EQ(d.sample_type_size(), 1);
  EXPECT_EQ(d.period(), 0);
  for (const auto& s : d.sample()) EXPECT_EQ(s.value_size(), 1);
}

TEST(Pprof, CountsAddUpAndValuesAreCountTimesPeriod) {
  Fixture f;
  pprof::Profile d = decode(render(f.p));
  std::int64_t samples = 0;
  for (const auto& s : d.sample()) {
    ASSERT_EQ(s.value_size(), 2);
    samples += s.value(0);
    EXPECT_EQ(s.value(1), s.value(0) * d.period());
  }
  EXPECT_EQ(static_cast<std::uint64_t>(samples), f.p.counters().samples);
  EXPECT_EQ(d.sample_size(), 4);
}

// The function names of a sample's Locations, leaf first; a Location's names joined with
// ',' in the order of its Lines (innermost first: "helper,inner,work(int)").
std::vector<std::string> locations_of(const pprof::Profile& d, const pprof::Sample& s) {
  std::map<std::uint64_t, const pprof::Location*> locs;
  std::map<std::uint64_t, const pprof::Function*> fns;
  for (const auto& l : d.location()) locs[l.id()] = &l;
  for (const auto& fn : d.function()) fns[fn.id()] = &fn;
  std::vector<std::string> out;
  for (std::uint64_t id : s.location_id()) {
    std::string names;
    for (const auto& line : locs.at(id)->line()) {
      names += (names.empty() ? "" : ",") + text(d, fns.at(line.function_id())->name());
    }
    out.push_back(names);
  }
  return out;
}

TEST(Pprof, InlinedFramesShareTheirCallersLocationInnermostFirst) {
  Fixture f;
  pprof::Profile d = decode(render(f.p));
  ASSERT_EQ(d.sample_size(), 4);
  EXPECT_EQ(locations_of(d, d.sample(0)),
            (std::vector<std::string>{"helper,inner,work(int)", "main"}));
  EXPECT_EQ(locations_of(d, d.sample(1)),
            (std::vector<std::string>{"memcpy", "helper,inner,work(int)", "main"}));
  EXPECT_EQ(locations_of(d, d.sample(2)), (std::vector<std::string>{"work(int)", "main"}));
  EXPECT_EQ(locations_of(d, d.sample(3)), (std::vector<std::string>{"work(int)", "run"}));
  // main, work+inner+helper, memcpy, work alone, run: each once.
  EXPECT_EQ(d.location_size(), 5);
}

TEST(Pprof, MappingsCarryBuildIdsAndLocationsPointToThem) {
  Fixture f;
  pprof::Profile d = decode(render(f.p));
  ASSERT_EQ(d.mapping_size(), 2);
  std::map<std::uint64_t, const pprof::Mapping*> maps;
  for (const auto& m : d.mapping()) maps[m.id()] = &m;
  const pprof::Mapping& prog = d.mapping(0);
  EXPECT_EQ(prog.id(), 1u);
  EXPECT_EQ(text(d, prog.filename()), "/usr/bin/prog");
  EXPECT_EQ(text(d, prog.build_id()), "0123456789abcdef");
  EXPECT_EQ(prog.memory_start(), 0x400000u);
  EXPECT_EQ(prog.memory_limit(), 0x480000u);
  EXPECT_TRUE(prog.has_functions());
  EXPECT_TRUE(prog.has_inline_frames());
  EXPECT_EQ(text(d, d.mapping(1).build_id()), "feedface");
  std::map<std::string, std::uint64_t> mapping_of;  // leaf function -> mapping id
  for (const auto& l : d.location()) {
    ASSERT_GT(l.line_size(), 0);
    EXPECT_EQ(l.address(), 0u);  // the profile keeps no addresses
    for (const auto& fn : d.function()) {
      if (fn.id() == l.line(0).function_id()) mapping_of[text(d, fn.name())] = l.mapping_id();
    }
  }
  EXPECT_EQ(mapping_of["main"], 1u);
  EXPECT_EQ(mapping_of["helper"], 1u);
  EXPECT_EQ(mapping_of["memcpy"], 2u);
  EXPECT_EQ(mapping_of["run"], 0u);  // a Python frame is in no binary
}

TEST(Pprof, MappingsAreInAddressOrderSoTheExecutableComesFirst) {
  Fixture f;
  Profile p;
  p.info() = f.p.info();
  FrameId in_libc = p.frames().intern(Frame{.function = "clone3", .module = "libc.so.6"});
  FrameId in_prog = p.frames().intern(Frame{.function = "worker", .module = "prog"});
  for (const auto& [name, module] : f.p.modules()) p.add_module(name, module);
  p.add_sample(1, std::vector<FrameId>{in_libc, in_prog}, 0);  // libc's frame is met first
  pprof::Profile d = decode(render(p));
  ASSERT_EQ(d.mapping_size(), 2);
  EXPECT_EQ(text(d, d.mapping(0).filename()), "/usr/bin/prog");
  EXPECT_EQ(d.mapping(0).id(), 1u);
  EXPECT_EQ(d.mapping(1).id(), 2u);
  ASSERT_EQ(d.sample(0).location_id_size(), 2);
  for (const auto& l : d.location()) {
    const bool prog = l.id() == d.sample(0).location_id(0);  // the leaf: worker
    EXPECT_EQ(l.mapping_id(), prog ? 1u : 2u);
  }
}

TEST(Pprof, FunctionsHaveRawNamesAndFiles) {
  Fixture f;
  pprof::Profile d = decode(render(f.p));
  std::map<std::string, const pprof::Function*> by_name;
  for (const auto& fn : d.function()) {
    EXPECT_GT(fn.id(), 0u);
    by_name[text(d, fn.name())] = &fn;
  }
  ASSERT_EQ(by_name.size(), 6u);
  EXPECT_EQ(text(d, by_name["work(int)"]->system_name()), "_Z4worki");
  EXPECT_EQ(text(d, by_name["main"]->system_name()), "main");
  EXPECT_EQ(text(d, by_name["helper"]->system_name()), "helper");
  EXPECT_EQ(text(d, by_name["helper"]->filename()), "/src/util.h");
  EXPECT_EQ(text(d, by_name["run"]->filename()), "/srv/app.py");
}

TEST(Pprof, SamplesAreLabelledWithTheirThread) {
  Fixture f;
  pprof::Profile d = decode(render(f.p));
  ASSERT_EQ(d.sample_size(), 4);
  const auto& named = d.sample(0);
  ASSERT_EQ(named.label_size(), 2);
  EXPECT_EQ(text(d, named.label(0).key()), "thread");
  EXPECT_EQ(text(d, named.label(0).str()), "prog");
  EXPECT_EQ(text(d, named.label(1).key()), "thread_id");
  EXPECT_EQ(named.label(1).num(), 10);
  const auto& unnamed = d.sample(3);  // thread 11 has no name: its id only
  ASSERT_EQ(unnamed.label_size(), 1);
  EXPECT_EQ(named.label(1).str(), 0);
  EXPECT_EQ(unnamed.label(0).num(), 11);
}

TEST(Pprof, LinesOnlyWithTheLinesOption) {
  Profile p;
  p.info().rate_hz = 100;
  FrameId f = p.frames().intern(Frame{.function = "f", .file = "f.c", .line = 7});
  p.add_sample(1, std::vector<FrameId>{f}, 0);
  EXPECT_EQ(decode(render(p)).location(0).line(0).line(), 0);
  EXPECT_EQ(decode(render(p, {.lines = true})).location(0).line(0).line(), 7);
}

TEST(Pprof, HostileStringsStayValidUtf8) {
  Profile p = testing::hostile_profile();
  pprof::Profile d = decode(render(p));
  for (const std::string& s : d.string_table()) {
    EXPECT_EQ(s, sanitize_utf8(s));
  }
}

// The reader (pprof_reader.h, for `cspy diff`) gives back what the writer wrote: the
// same folded stacks (inlined frames in place), counts and threads; a bad stream is an error.
TEST(PprofReader, ReadsBackWhatTheWriterWrote) {
  Fixture f;
  const std::string gz = render(f.p);
  ASSERT_TRUE(looks_like_pprof(gz));
  Profile back;
  ASSERT_TRUE(add_pprof(gz, back));
  std::ostringstream written, read;
  write_folded(f.p, {.thread_roots = true}, written);
  write_folded(back, {.thread_roots = true}, read);
  EXPECT_EQ(read.str(), written.str());
  EXPECT_EQ(back.counters().samples, f.p.counters().samples);
  int inlined = 0;
  for (std::uint32_t i = 0; i < back.frames().size(); ++i) {
    const Frame& frame = back.frames().get(FrameId(i));
    if (frame.function == "inner" || frame.function == "helper") {
      EXPECT_TRUE(frame.inlined) << frame.function;
      EXPECT_EQ(frame.module, "prog");
      ++inlined;
    }
  }
  EXPECT_EQ(inlined, 2);
  EXPECT_FALSE(looks_like_pprof("main;f 1\n"));
  EXPECT_FALSE(add_pprof(std::string("\x1f\x8b\x08\x00junk", 8), back));
  EXPECT_FALSE(add_pprof("not a profile at all", back));
}

TEST(GoldenOutput, PprofDecoded) {
  Profile p = small_profile();
  p.add_module("demo",
               aggregate::ModuleInfo{.path = "/opt/demo/demo",
                                     .start = 0x55d0c0000000,
                                     .limit = 0x55d0c0004000,
                                     .build_id = "3f9a1c0de2b47a55e1f0c6d1a8b2e4f7c9d00112"});
  pprof::Profile d = decode(render(p));
  std::string printed;
  ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(d, &printed));
  EXPECT_EQ(check_golden("small.pprof.txt", printed), "");
}

}  // namespace
}  // namespace cspy::output
