#!/usr/bin/env bash
# Sets up everything on a fresh Debian 12 machine, builds cspy and profiles the bundled
# Julia-set target (High Performance Python, ch. 2) into julia.svg.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target cspy julia >/dev/null
./build/cspy record -o julia.svg -- ./build/test_targets/julia --seconds 5
