// Thread names: the names Python programs give their threads (threading.Thread(name=...)),
// read from memory — sys.modules["threading"]._active: ident -> Thread, and each Thread's
// _name and _native_id (the OS thread id) — without running code in the target.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

#include "cspy/process/process.h"
#include "cspy/python/runtime.h"

namespace cspy::python {

// Python thread names by OS thread id; empty when the program never imported threading,
// or its memory cannot be read.
std::map<pid_t, std::string> read_thread_names(const process::Process& process,
                                               const Runtime& runtime);

// The name a thread shows as (a --threads root): its Python name where its OS name is the
// one every thread inherits from the process (nobody named it), else its OS name.
std::string shown_thread_name(const std::string& os_name, const std::string& process_name,
                              const std::string& python_name);

}  // namespace cspy::python
