// Test helpers for the output writers: fixed profiles, files, external tools, goldens.
#include "test_support.h"

#include <cstdlib>
#include <sstream>

#include "cspy/output/writer.h"

namespace cspy::output::testing {

using aggregate::Frame;
using aggregate::FrameId;
using aggregate::FrameKind;
using aggregate::Profile;

namespace {

void add(Profile& p, pid_t tid, std::vector<FrameId> stack, std::uint64_t& t, int n = 1) {
  for (int i = 0; i < n; ++i) {
    p.add_sample(tid, stack, t);
    t += 10'000'000 + static_cast<std::uint64_t>(i % 3) * 1'000;  // ~100 Hz, a little jitter
  }
}

}  // namespace

Profile small_profile() {
  Profile p(/*keep_timeline=*/true);
  auto& info = p.info();
  info.command = "./demo --size 3";
  info.pid = 4242;
  info.rate_hz = 100;
  info.sampler = "perf_event";
  info.start_unix_ns = 1700000000123456789ULL;  // 2023-11-14 22:13:20 UTC
  info.start_mono_ns = 5'000'000'000ULL;
  info.duration_s = 0.25;
  auto& ft = p.frames();
  FrameId start = ft.intern(Frame{.function = "_start", .module = "demo"});
  FrameId main =
      ft.intern(Frame{.function = "main", .module = "demo", .file = "/src/demo.cpp", .line = 40});
  FrameId compute = ft.intern(
      Frame{.function = "compute(int)", .module = "demo", .file = "/src/demo.cpp", .line = 12});
  FrameId square = ft.intern(Frame{
      .function = "square", .module = "demo", .file = "/src/math.h", .line = 3, .inlined = true});
  FrameId sort = ft.intern(Frame{.function = "std::sort<int*>", .module = "libstdc++.so.6"});
  FrameId memcpy = ft.intern(Frame{.function = "__memcpy_avx_unaligned", .module = "libc.so.6"});
  FrameId write = ft.intern(Frame{.function = "write", .module = "libc.so.6"});
  FrameId sys = ft.intern(Frame{.function = "ksys_write", .kind = FrameKind::kKernel});
  FrameId clone = ft.intern(Frame{.function = "clone3", .module = "libc.so.6"});
  FrameId worker = ft.intern(
      Frame{.function = "worker_loop", .module = "demo", .file = "/src/demo.cpp", .line = 25});
  p.set_thread_name(4242, "demo");
  p.set_thread_name(4243, "worker");
  std::uint64_t t = info.start_mono_ns + 3'000'000;
  add(p, 4242, {start, main, compute, square}, t, 6);
  add(p, 4242, {start, main, compute}, t, 3);
  add(p, 4243, {clone, worker, sort, memcpy}, t, 4);
  add(p, 4242, {start, main, sort}, t, 2);
  add(p, 4242, {start, main, write, sys}, t, 2);
  add(p, 4243, {clone, worker}, t, 1);
  add(p, 4242, {start, main, ft.unknown()}, t, 1);
  add(p, 4243, {clone, worker, ft.truncated()}, t, 1);
  return p;
}

std::vector<std::string> hostile_strings() {
  return {"</script><script>alert(1)</script>",
          "]]>",
          "a<b>&c\"d'e",
          "ctrl\x01\x1b[31m\x7f",
          "bad\xff\xfe\xc3(",
          "overlong\xc0\xaf",
          "surrogate\xed\xa0\x80",
          "cut\xe2\x82",
          "line\nbreak",
          "<!--",
          "&amp;"};
}

Profile hostile_profile() {
  Profile p(true);
  auto& info = p.info();
  info.command = "sh -c 'echo \"<x>\" && cat </dev/null' ]]> \x01\xff";
  info.pid = 7;
  info.rate_hz = 99;
  info.sampler = "ptrace<&>";
  auto& ft = p.frames();
  FrameId root = ft.intern(Frame{.function = "na\xc3\xafve::\xe2\x9c\x93 main", .module = "app"});
  std::vector<std::string> names = hostile_strings();
  std::uint64_t t = 1;
  int i = 0;
  for (const auto& n : names) {
    FrameId f = ft.intern(Frame{.function = n,
                                .module = "lib" + n + ".so",
                                .file = "/src/" + n,
                                .line = 3,
                                .inlined = (i % 2) == 1});
    p.add_sample(100 + (i % 2), std::vector<FrameId>{root, f}, t += 1000,
                 3 + static_cast<std::uint64_t>(i));
    ++i;
  }
  p.set_thread_name(100, "<thr&\"'>\x02\xff");
  p.set_thread_name(101, "]]></script>");
  return p;
}

Profile random_profile(int stacks, std::uint32_t seed) {
  Profile p;
  auto& ft = p.frames();
  std::vector<FrameId> names;
  for (const char* n : {"main", "run_loop", "parse<int>", "std::vector<int>::push_back",
                        "compute(double)", "ns::Widget::draw", "write", "hash_combine", "zeta"}) {
    names.push_back(ft.intern(Frame{.function = n, .module = "app"}));
  }
  // The same label from two modules: the flamegraph must merge them like flamegraph.pl.
  names.push_back(ft.intern(Frame{.function = "memcpy", .module = "libc.so.6"}));
  names.push_back(ft.intern(Frame{.function = "memcpy", .module = "libfoo.so"}));
  std::uint32_t state = seed;
  auto next = [&state](std::uint32_t n) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % n;
  };
  for (int s = 0; s < stacks; ++s) {
    std::vector<FrameId> stack{names[0]};
    std::uint32_t depth = 1 + next(8);
    for (std::uint32_t d = 1; d < depth; ++d)
      stack.push_back(names[1 + next(static_cast<std::uint32_t>(names.size() - 1))]);
    p.add_sample(1 + static_cast<pid_t>(next(3)), stack, 0, 1 + next(20));
  }
  return p;
}

std::string render_folded(Profile& p) {
  std::ostringstream out;
  write_folded(p, {}, out);
  return out.str();
}

std::string render_svg(Profile& p, bool reverse, bool thread_roots) {
  std::ostringstream out;
  write_flamegraph(p, WriteOptions{.thread_roots = thread_roots, .reverse = reverse}, out);
  return out.str();
}

std::string render_speedscope(Profile& p) {
  std::ostringstream out;
  write_speedscope(p, {}, out);
  return out.str();
}

std::string check_golden(const std::string& name, const std::string& actual) {
  return test::check_golden_file("output/" + name, actual);
}

}  // namespace cspy::output::testing
