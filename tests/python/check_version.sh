#!/usr/bin/env bash
# check_version.sh PYTHON PYTHON_CHECK: checks cspy's knowledge of one CPython against the
# interpreter itself — its layout table against offsetof() in a probe compiled with the
# interpreter's own headers (layout_probe.c), and its line-table decoding against the
# lines the interpreter gives for every instruction of line_cases.py.
set -euo pipefail
python=$1
check=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
include=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
if [ ! -f "$include/Python.h" ]; then
  echo "check_version: no Python.h under $include (install the interpreter's -dev package)" >&2
  exit 1
fi
cc -I"$include" -I"$include/internal" -o "$work/probe" "$here/layout_probe.c"
"$work/probe" > "$work/headers.txt"
"$check" layout "$version" > "$work/cspy.txt"
if ! diff -u "$work/headers.txt" "$work/cspy.txt"; then
  echo "check_version: cspy's layout for $version differs from $include (- headers, + cspy)" >&2
  exit 1
fi
echo "layout of $version: $(wc -l < "$work/cspy.txt") entries agree with $include"
"$python" "$here/line_cases.py" | "$check" lines
