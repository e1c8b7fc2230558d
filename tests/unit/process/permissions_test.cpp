// permissions: the system settings read back as /proc and capget show them, and each
// explanation of a refusal naming the PID, its cause and the fix for that cause.
#include "cspy/process/permissions.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "support/test_files.h"

namespace cspy::process {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Permissions, SettingsAsTheSystemHasThem) {
  const std::string scope = test::read_file("/proc/sys/kernel/yama/ptrace_scope");
  EXPECT_EQ(ptrace_scope(), scope.empty() ? -1 : std::stoi(scope));
  const std::string paranoid = test::read_file("/proc/sys/kernel/perf_event_paranoid");
  EXPECT_EQ(perf_event_paranoid(), paranoid.empty() ? 2 : std::stoi(paranoid));
}

TEST(Permissions, CapSysPtraceAsStatusShowsIt) {
  std::istringstream status(test::read_file("/proc/self/status"));
  std::string line;
  std::uint64_t effective = 0;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) effective = std::stoull(line.substr(7), nullptr, 16);
  }
  constexpr int kCapSysPtrace = 19;
  EXPECT_EQ(has_cap_sys_ptrace(), ((effective >> kCapSysPtrace) & 1) != 0);
}

TEST(Permissions, PtraceRefusalPerCause) {
  const std::string locked = explain_ptrace_refusal(42, 3, true);
  EXPECT_TRUE(contains(locked, "PID 42")) << locked;
  EXPECT_TRUE(contains(locked, "ptrace_scope is 3")) << locked;
  EXPECT_TRUE(contains(locked, "reboot")) << locked;

  const std::string yama = explain_ptrace_refusal(42, 1, false);
  EXPECT_TRUE(contains(yama, "PID 42")) << yama;
  EXPECT_TRUE(contains(yama, "ptrace_scope is 1")) << yama;
  EXPECT_TRUE(contains(yama, "setcap cap_sys_ptrace+ep")) << yama;

  for (int scope : {0, -1}) {  // Yama allows it, or is absent: another user's process
    const std::string other_user = explain_ptrace_refusal(42, scope, false);
    EXPECT_TRUE(contains(other_user, "another user")) << other_user;
    EXPECT_FALSE(contains(other_user, "ptrace_scope")) << other_user;
  }

  const std::string container = explain_ptrace_refusal(42, 1, true);
  EXPECT_TRUE(contains(container, "PID 42")) << container;
  EXPECT_TRUE(contains(container, "seccomp")) << container;
}

TEST(Permissions, ExplanationsUseThisSystemsSettings) {
  EXPECT_EQ(explain_ptrace_refusal(7),
            explain_ptrace_refusal(7, ptrace_scope(), has_cap_sys_ptrace()));
  EXPECT_EQ(explain_perf_refusal(7), explain_perf_refusal(7, perf_event_paranoid()));
}

// A target someone traces already (a debugger, strace) is named with its tracer, not
// blamed on a container policy.
TEST(Permissions, AnAlreadyTracedTargetNamesItsTracer) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(child, 0);
  EXPECT_EQ(explain_already_traced(child), "");
  const bool seized = ::ptrace(PTRACE_SEIZE, child, nullptr, nullptr) == 0;
  const std::string text = explain_ptrace_refusal(child);
  ::kill(child, SIGKILL);  // a tracee that is killed needs no detach
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(seized);
  EXPECT_TRUE(contains(text, "already traced by PID " + std::to_string(::getpid()))) << text;
  std::ifstream comm_file("/proc/self/comm");
  std::string comm;
  std::getline(comm_file, comm);
  EXPECT_TRUE(contains(text, "(" + comm + ")")) << text;
  EXPECT_FALSE(contains(text, "seccomp")) << text;
}

TEST(Permissions, PerfRefusalNamesTheParanoidLevel) {
  const std::string text = explain_perf_refusal(42, 3);
  EXPECT_TRUE(contains(text, "PID 42")) << text;
  EXPECT_TRUE(contains(text, "perf_event_paranoid is 3")) << text;
  EXPECT_TRUE(contains(text, "CAP_PERFMON")) << text;
}

}  // namespace
}  // namespace cspy::process
