#!/usr/bin/env bash
# Installs everything cspy needs to build, test and benchmark, from Debian 12's packages.
# Run as root (or with sudo). Idempotent and quiet: it prints only on failure.
set -euo pipefail

packages=(
  cmake g++ make pkg-config git file binutils
  libunwind-dev libdw-dev libelf-dev elfutils
  libboost-program-options-dev libncurses-dev
  libgtest-dev libgmock-dev libfmt-dev nlohmann-json3-dev zlib1g-dev
  libseccomp-dev libxml2-utils linux-perf gdb tmux python3 nodejs perl mandoc
  man-db bash-completion dpkg-dev
  clang-format clang-tidy  # scripts/lint.sh: the house style, checked in CI
  libiberty-dev  # binutils' demangler: Rust names (legacy and v0)
  xz-utils  # a stripped Debian program for the stack-root checks
  libc6-dbg  # libc's DWARF: its frames get file:line (and the symbolizer tests use it)
  python3.11 python3.11-dbg python3.11-dev  # Debian's stripped static CPython, gdb's py-bt
  libcap2-bin util-linux  # capsh, unshare: the container tests
  debuginfod libdebuginfod1 libdebuginfod-dev  # a loopback debuginfod server; its client (libdw's, and cspy's probe)
  libprotobuf-dev protobuf-compiler  # pprof output: profile.proto encoded by the protobuf library
  golang-go  # go tool pprof: the real consumer that validates the pprof output in tests; Go test program
  rustc  # the Rust test program (legacy and v0 mangling), built by the toolchain tests
  clang libclang-rt-14-dev  # libFuzzer: the fuzz targets under fuzz/ (CSPY_FUZZ); *-clang test targets
  libcurl4-openssl-dev  # record --upload: interval profiles POSTed to a Pyroscope server
  llvm-14  # llvm-symbolizer: the reference for clang-built targets' inlined frames and lines
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  log=$(mktemp)
  # LLVM's libunwind-14-dev provides a conflicting libunwind.h without remote unwinding.
  if dpkg-query -W -f='${Status}' libunwind-14-dev 2>/dev/null | grep -q "install ok installed"; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq libunwind-14-dev >"$log" 2>&1 || { cat "$log"; exit 1; }
  fi
  if ! { $SUDO apt-get update -qq && \
         $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-deps: apt-get failed installing: ${missing[*]}" >&2
    exit 1
  fi
  rm -f "$log"
fi
