#!/usr/bin/env bash
# Lints every man page: `mandoc -T lint -W warning` must print nothing (style notes, such
# as long source lines, are allowed). mandoc is a test dependency (scripts/install-deps.sh):
# missing, the test fails rather than skips.
# usage: man_lint.sh MAN_DIR
set -uo pipefail
man_dir=${1:?usage: man_lint.sh MAN_DIR}

if ! command -v mandoc >/dev/null; then
  echo "FAIL: mandoc is not installed; run scripts/install-deps.sh (or apt-get install mandoc)" >&2
  exit 1
fi
shopt -s nullglob
pages=("$man_dir"/*.1)
if [ "${#pages[@]}" -eq 0 ]; then
  echo "FAIL: no man pages in $man_dir" >&2
  exit 1
fi
status=0
for page in "${pages[@]}"; do
  # mandoc's notes about its own database (mandoc.db) are not about the page.
  out=$(mandoc -T lint -W warning "$page" 2>&1 | grep -v 'mandoc\.db')
  if [ -n "$out" ]; then
    echo "FAIL: $page:" >&2
    echo "$out" >&2
    status=1
  else
    echo "ok: $page"
  fi
  # The page must also render (what man(1) shows).
  if ! mandoc -T ascii "$page" 2>/dev/null | sed 's/.\x08//g' | grep '^NAME$' >/dev/null; then
    echo "FAIL: $page does not render a NAME section" >&2
    status=1
  fi
done
exit $status
