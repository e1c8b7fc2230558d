#!/usr/bin/env bash
# Builds cspy's Debian package with CPack and prints the .deb's path (the last line of
# stdout; progress goes to stderr).
#
# usage: packaging/build-deb.sh [--reuse] [BUILD_DIR [OUTPUT_DIR]]
#   BUILD_DIR   where to configure a Release build (default: build-deb in the source tree)
#   OUTPUT_DIR  where to put the .deb (default: BUILD_DIR)
#   --reuse     package BUILD_DIR as it is, already configured and built (any build type):
#               no configuring, nothing rebuilt that is up to date
#
# Then: sudo dpkg -i <the .deb>; man cspy; cspy --version.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)

reuse=false
if [ "${1:-}" = "--reuse" ]; then
  reuse=true
  shift
fi
build_dir=${1:-$source_dir/build-deb}
output_dir=${2:-$build_dir}
mkdir -p "$build_dir" "$output_dir"
build_dir=$(cd "$build_dir" && pwd)
output_dir=$(cd "$output_dir" && pwd)

if ! command -v dpkg-shlibdeps >/dev/null; then
  echo "build-deb: dpkg-shlibdeps not found (package dpkg-dev); run scripts/install-deps.sh" >&2
  exit 1
fi

if $reuse; then
  if [ ! -f "$build_dir/CPackConfig.cmake" ]; then
    echo "build-deb: $build_dir is not a configured cspy build (no CPackConfig.cmake)" >&2
    exit 1
  fi
else
  # Only what the package holds is built: no tests; `cmake --install` (which cpack runs)
  # then does not build everything else first.
  cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCSPY_BUILD_TESTS=OFF \
    -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >&2
  cmake --build "$build_dir" -j"$(nproc)" --target cspy cspy_man >&2
fi

# cpack writes its staging tree under OUTPUT_DIR/_CPack_Packages and reports
# "CPack: - package: PATH generated."
log=$(cd "$build_dir" && cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$output_dir" 2>&1) || {
  echo "$log" >&2
  echo "build-deb: cpack failed" >&2
  exit 1
}
echo "$log" >&2
deb=$(sed -n 's/^CPack: - package: \(.*\.deb\) generated\.$/\1/p' <<<"$log" | tail -n 1)
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
  echo "build-deb: cpack reported no .deb" >&2
  exit 1
fi
echo "$deb"
