/* fake_python: not an interpreter, but it looks like CPython 3.11 to a profiler — it
 * exports _PyRuntime and Py_Version — with a _PyRuntime that holds nothing (zeros), or,
 * with --bad-pointer, an interpreter pointer to memory that is not mapped; with
 * --version-3.7 it says it is CPython 3.7. cspy must say once that it cannot read the
 * interpreter (and why) and profile it natively.
 * Usage: fake_python [--bad-pointer|--version-3.7] SECONDS
 * (prints "ready", then spins in spin_here) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

__attribute__((visibility("default"))) uint64_t _PyRuntime[128];
__attribute__((visibility("default"))) volatile unsigned long Py_Version = 0x030B07F0UL;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static uint64_t spin_here(double deadline) {
  volatile uint64_t x = 0;
  while (now() < deadline) {
    for (int i = 0; i < 100000; ++i) x += (uint64_t)i;
  }
  return x;
}

int main(int argc, char** argv) {
  int arg = 1;
  if (argc > 2 && strcmp(argv[1], "--bad-pointer") == 0) {
    /* 3.11: _PyRuntime.interpreters.head at offset 40 */
    _PyRuntime[5] = 0xdead0000UL;
    arg = 2;
  } else if (argc > 2 && strcmp(argv[1], "--version-3.7") == 0) {
    Py_Version = 0x030710F0UL;
    arg = 2;
  }
  if (arg >= argc) return 2;
  const double deadline = now() + atof(argv[arg]);
  printf("ready\n");
  fflush(stdout);
  return spin_here(deadline) == 1 ? 1 : 0;
}
