#!/usr/bin/env bash
# Runs a program in a container of its own, as Docker or Kubernetes would: a new mount
# and PID namespace whose root is a private tmpfs (pivot_root), holding only the files
# given and the shared libraries they need. Used by the container tests; by hand:
#   tests/support/container.sh [--pidfile F] SRC[:DEST] ... -- /DEST-of-program args...
# Each SRC is copied to DEST (default: the same path) inside the container. The program
# runs as PID 1 of the new PID namespace; its host PID is written to F once it runs.
set -euo pipefail

pidfile=""
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pidfile) pidfile="$2"; shift 2 ;;
    --) shift; break ;;
    *) files+=("$1"); shift ;;
  esac
done
if [ $# -eq 0 ]; then
  echo "usage: container.sh [--pidfile F] SRC[:DEST]... -- PROGRAM [ARGS...]" >&2
  exit 2
fi

stage=$(mktemp -d /tmp/cspy-container.XXXXXX)
trap 'rm -rf "$stage"' EXIT
# The list of (source, destination) pairs, the shared libraries of each ELF included.
list="$stage/files"
: >"$list"
for spec in "${files[@]}"; do
  src="${spec%%:*}"
  dest="${spec#*:}"
  [ "$spec" = "$src" ] && dest="$src"
  echo "$src $dest" >>"$list"
  if file -L "$src" | grep -q 'dynamically linked'; then
    ldd "$src" | awk '/=> \// { print $3 " " $3 } /^\t\/.*ld-linux/ { print $1 " " $1 }' >>"$list"
  fi
done

# Inside: a new mount namespace (private), a tmpfs root, pivot_root, the old root
# detached, then exec. `unshare --pid --fork` makes the program's parent PID 1 there:
# exec keeps the program as that PID 1.
exec unshare --mount --pid --fork --kill-child bash -c '
  set -euo pipefail
  list="$1"; pidfile="$2"; shift 2
  mount --make-rprivate /
  hostpid=""
  # /proc is still the host one: NSpid reads "HOSTPID 1" for this shell, which exec turns
  # into the program (a builtin redirection, so /proc/self is this shell).
  while read -r key value rest; do
    if [ "$key" = NSpid: ]; then hostpid="$value"; fi
  done </proc/self/status
  root=$(mktemp -d /tmp/cspy-root.XXXXXX)
  mount -t tmpfs -o size=512m tmpfs "$root"
  while read -r src dest; do
    mkdir -p "$root$(dirname "$dest")"
    cp -rL "$src" "$root$dest"
  done <"$list"
  mkdir -p "$root/proc" "$root/tmp" "$root/.old"
  mount -t proc proc "$root/proc"
  cd "$root"
  pivot_root . .old
  # Published (builtins only: the new root has no tools) as the program is about to run.
  if [ -n "$pidfile" ]; then
    echo "$hostpid" >"/.old$pidfile"
  fi
  # The new root has no umount: run the host one with the host loader, from the old root.
  /.old/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path /.old/lib/x86_64-linux-gnu \
    /.old/usr/bin/umount -l /.old
  exec "$@"
' container "$list" "$pidfile" "$@"
