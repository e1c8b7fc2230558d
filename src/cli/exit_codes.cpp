// Mapping errors to exit codes and printing them: the only place errors reach the user.
#include <cstdio>

#include "exit_codes.h"

namespace cspy::cli {

int exit_code_for(const Error& error) {
  switch (error.kind()) {
    case ErrorKind::kUsage:
      return kExitUsage;
    case ErrorKind::kNoSuchProcess:
      return kExitNoSuchProcess;
    case ErrorKind::kPermission:
      return kExitPermission;
    case ErrorKind::kNotTraceable:
      return kExitNotTraceable;
    case ErrorKind::kBadInput:
      return kExitBadInput;
    case ErrorKind::kTargetExited:
    case ErrorKind::kGeneric:
      return kExitError;
  }
  return kExitError;
}

int report(const Error& error) {
  (void)std::fprintf(stderr, "cspy: error: %s\n", error.describe().c_str());
  return exit_code_for(error);
}

}  // namespace cspy::cli
