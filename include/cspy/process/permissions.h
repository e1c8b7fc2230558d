// Explanations for refusals: why this user may not ptrace or perf_event_open a target,
// naming the knob to turn (CAP_SYS_PTRACE / root, kernel.yama.ptrace_scope,
// kernel.perf_event_paranoid). Used to turn EPERM/EACCES into one-line errors.
#pragma once

#include <sys/types.h>

#include <string>

namespace cspy::process {

// kernel.yama.ptrace_scope, or -1 if Yama is absent.
int ptrace_scope();
// kernel.perf_event_paranoid, or 2 (the default) if unreadable.
int perf_event_paranoid();
bool has_cap_sys_ptrace();

// "not permitted to ptrace PID N: <cause>; <fix>" for an EPERM from ptrace: first whether
// it is traced already (explain_already_traced), then the settings below.
std::string explain_ptrace_refusal(pid_t pid);
// When a thread of `pid` has a tracer (TracerPid != 0), the refusal naming it (its PID and
// comm); "" when none has.
std::string explain_already_traced(pid_t pid);
// The same for given settings: the Yama scope (-1 if absent) and whether cspy has
// CAP_SYS_PTRACE; the one above passes this system's.
std::string explain_ptrace_refusal(pid_t pid, int scope, bool has_cap);
// The same for perf_event_open's EACCES/EPERM, for this system's perf_event_paranoid or a
// given one.
std::string explain_perf_refusal(pid_t pid);
std::string explain_perf_refusal(pid_t pid, int paranoid);

}  // namespace cspy::process
