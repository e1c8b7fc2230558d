// Runtime: finding CPython in a process — the module that defines _PyRuntime (a
// libpython3.X.so, or the executable itself when it is linked statically, stripped ones
// included: the symbol is in .dynsym), its version (Py_Version, or the file's name before
// 3.11) and so its Layout. Read from the files mapped in the target, through its root.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "cspy/core/remote_addr.h"
#include "cspy/core/result.h"
#include "cspy/process/process.h"
#include "cspy/python/layout.h"

namespace cspy::python {

struct Runtime {
  int major = 0;
  int minor = 0;
  const Layout* layout = nullptr;
  RemoteAddr py_runtime;  // &_PyRuntime
  RemoteAddr code_type;   // &PyCode_Type (null if not found: no type check)
  // The objects and types whose values `dump --locals` shows (null where not found).
  RemoteAddr none, true_, false_, long_type, float_type, unicode_type, bool_type;
  std::string module;  // the file that defines them, as named in the maps
};

// The CPython runtime of `process`; nullopt when the process is not CPython. An Error
// (kBadInput) names a CPython cspy cannot read: an unsupported version, or a version
// that cannot be told.
// `not_python`, when given, holds the files found before not to define _PyRuntime: they
// are not read again (a launched program is looked at several times while it starts).
Result<std::optional<Runtime>> locate(const process::Process& process,
                                      std::set<std::string>* not_python = nullptr);

// Whether the interpreter state behind `runtime` can be read: its first interpreter and
// that interpreter's first thread state. True when they can; false while _PyRuntime holds
// no interpreter or thread yet (a program still starting); an Error (kBadInput) naming the
// cause when the memory cannot be read (process_vm_readv refused) or _PyRuntime points
// at memory that is not there.
Result<bool> check_interpreter_state(const process::Process& process, const Runtime& runtime);

}  // namespace cspy::python
