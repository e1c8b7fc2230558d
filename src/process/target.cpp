// Target: attach to a PID or launch a command.
#include "cspy/process/target.h"

namespace cspy::process {

Result<Target> Target::attach(pid_t pid) {
  auto p = Process::open(pid);
  if (!p) return p.error();
  Target t(*p, std::nullopt);
  t.command_ = p->command_line();
  return t;
}

Result<Target> Target::launch(const std::vector<std::string>& argv) {
  auto child = LaunchedProcess::spawn(argv);
  if (!child) return child.error();
  auto p = Process::open(child->pid());
  if (!p) return p.error();
  Target t(*p, std::move(*child));
  for (const auto& a : argv) t.command_ += (t.command_.empty() ? "" : " ") + a;
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
  return process_.alive();
}

std::optional<int> Target::exit_status() {
  if (!launched_) return std::nullopt;
  return launched_->try_wait();
}

}  // namespace cspy::process
