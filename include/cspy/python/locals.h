// Locals: a Python frame's local variables read from memory, for `dump --locals` — each
// name with a short repr of its value for ints, floats, strs, bools and None, and the
// type's name for any other object. Nothing is run in the target.
#pragma once

#include <string>
#include <vector>

#include "cspy/process/process.h"
#include "cspy/python/capture.h"
#include "cspy/python/runtime.h"

namespace cspy::python {

struct Local {
  std::string name;
  std::string value;  // "42", "3.5", "'text'", "True", "None", "<list object>", "<unset>"
};

// The locals of `frame` (arguments first); empty when its code object cannot be read.
std::vector<Local> read_locals(const process::Process& process, const Runtime& runtime,
                               const CapturedFrame& frame);

// A short repr of the object at `object` (strings cut at `limit` characters).
std::string short_repr(const process::Process& process, const Runtime& runtime,
                       std::uint64_t object, std::size_t limit = 40);

}  // namespace cspy::python
