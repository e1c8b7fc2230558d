// Target: attach to a PID or launch a command.
#include "cspy/process/target.h"

#include "cspy/core/path.h"
#include "cspy/process/process_tree.h"

namespace cspy::process {

namespace {
constexpr std::size_t kCommLength = 15;  // TASK_COMM_LEN - 1
}  // namespace

Result<Target> Target::attach(pid_t pid) {
  auto p = Process::open(pid);
  if (!p) return p.error();
  Target t(*p, std::nullopt);
  t.command_ = p->command_line();
  // Its start time tells it from a later process the kernel gives the same PID.
  if (auto id = process_id_of(pid)) t.id_ = *id;
  return t;
}

Result<Target> Target::launch(const std::vector<std::string>& argv, LaunchOptions options) {
  auto child = LaunchedProcess::spawn(argv, options);
  if (!child) return child.error();
  auto p = Process::open(child->pid());
  if (!p) return p.error();
  Target t(*p, std::move(*child));
  for (const auto& a : argv) t.command_ += (t.command_.empty() ? "" : " ") + a;
  // As exec names it: the file name's last component, at most TASK_COMM_LEN - 1 bytes.
  const std::string& program = argv.front();
  t.launched_name_ = std::string(basename_of(program).substr(0, kCommLength));
  return t;
}

Result<void> Target::release() {
  if (!launched_) return {};
  auto r = launched_->release();
  if (!r) {
    return Error(ErrorKind::kBadInput, "cannot run '" + command_ + "'", r.error().sys_errno());
  }
  return {};
}

bool Target::running() {
  if (launched_) return !launched_->try_wait().has_value();
  if (id_.pid > 0) return id_.running();  // exited, or its PID reused by another process
  return process_.alive();
}

std::optional<int> Target::exit_status() {
  if (!launched_) return std::nullopt;
  return launched_->try_wait();
}

int Target::stop(std::chrono::milliseconds grace, bool interrupted) {
  if (!launched_ || !launched_->released()) return 0;
  return launched_->stop(grace, interrupted).signal;
}

std::string Target::name() const {
  if (launched_) return launched_name_;
  return process_.thread_name(process_.pid());
}

}  // namespace cspy::process
