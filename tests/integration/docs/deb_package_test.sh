#!/usr/bin/env bash
# Builds the Debian package from this build tree (packaging/build-deb.sh --reuse: no
# reconfigure, no rebuild), installs it with `dpkg -i` into the live system, runs the
# installed /usr/bin/cspy --version, `man cspy` and the installed bash completion, and
# removes the package with `dpkg -r` whatever happens (a trap). Needs root: run it as root
# (CI is); otherwise it fails, it does not skip.
# usage: deb_package_test.sh SOURCE_DIR BUILD_DIR VERSION
set -uo pipefail
source_dir=${1:?usage: deb_package_test.sh SOURCE_DIR BUILD_DIR VERSION}
build_dir=${2:?}
version=${3:?}
export LC_ALL=C

start=$SECONDS
step() { echo "== [$((SECONDS - start)) s] $*"; }
die() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "installing a package needs root; run this test as root"
for tool in dpkg dpkg-deb dpkg-query dpkg-shlibdeps cpack; do
  command -v "$tool" >/dev/null || die "$tool not found; run scripts/install-deps.sh"
done
installed() { dpkg-query -W -f='${Status}' cspy 2>/dev/null | grep -q 'install ok installed'; }
# Installed, or left half-way by a failed dpkg -i: something for dpkg -r to remove.
present() {
  local state
  state=$(dpkg-query -W -f='${db:Status-Status}' cspy 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != not-installed ] && [ "$state" != config-files ]
}
# Set while this test's package is installed: a package left behind by a run that was
# killed (a timeout's SIGKILL skips the trap) is removed; anybody else's is not touched.
marker=/var/tmp/cspy-deb-test.installed
if present && [ -e "$marker" ]; then
  echo "== removing the package a killed run of this test left installed"
  dpkg -r cspy >/dev/null || die "dpkg -r cspy (left by an earlier run) failed"
fi
rm -f "$marker"
if present; then
  die "a cspy package is already installed ($(dpkg-query -W -f='${Version}' cspy)); this test \
installs and removes its own: remove that one first with 'dpkg -r cspy'"
fi

work=$(mktemp -d /tmp/cspy-deb-test.XXXXXX)
cleanup() {
  local status=$?
  if present; then
    echo "== removing the package (dpkg -r cspy)"
    dpkg -r cspy >/dev/null || { echo "FAIL: dpkg -r cspy failed" >&2; status=1; }
  fi
  if present; then
    echo "FAIL: cspy is still installed after dpkg -r" >&2
    status=1
  else
    rm -f "$marker"
  fi
  rm -rf "$work"
  echo "== done in $((SECONDS - start)) s"
  exit $status
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

step "building the package from $build_dir"
deb=$(bash "$source_dir/packaging/build-deb.sh" --reuse "$build_dir" "$work" 2>"$work/build.log" | tail -n 1)
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
  cat "$work/build.log" >&2
  die "packaging/build-deb.sh printed no .deb"
fi
echo "$deb ($(du -k "$deb" | cut -f1) KiB)"

step "checking the control fields and contents"
dpkg-deb -f "$deb" Package Version Section Maintainer Depends
[ "$(dpkg-deb -f "$deb" Package)" = cspy ] || die "the package is not named cspy"
[[ "$(dpkg-deb -f "$deb" Version)" == "$version"-* ]] || die "the package's version is not $version-*"
[ "$(dpkg-deb -f "$deb" Section)" = devel ] || die "the package's section is not devel"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libstdc++6 libdw1 libelf1 libunwind8 libboost-program-options libfmt libseccomp2; do
  [[ $depends == *"$lib"* ]] || die "Depends lacks $lib (dpkg-shlibdeps): $depends"
done
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
expected=(./usr/bin/cspy ./usr/share/bash-completion/completions/cspy)
for page in "$source_dir"/man/*.1; do
  expected+=("./usr/share/man/man1/$(basename "$page").gz")
done
for path in "${expected[@]}"; do
  grep -qxF "$path" <<<"$contents" || die "the package lacks $path"
done

step "installing it (dpkg -i)"
touch "$marker"
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; die "dpkg -i failed"; }
installed || die "dpkg -i did not leave cspy installed"

step "running the installed cspy"
line=$(/usr/bin/cspy --version) || die "/usr/bin/cspy --version failed"
echo "$line"
[[ $line =~ ^cspy\ $version\ \(git\ ([0-9a-f]+|unknown)\)$ ]] || die "unexpected version line '$line'"
/usr/bin/cspy record --help >/dev/null || die "/usr/bin/cspy record --help failed"

step "reading the installed man pages"
for page in "${expected[@]}"; do
  [[ $page == *.1.gz ]] || continue
  [ -f "${page#.}" ] || die "${page#.} is not on disk although the package has it: does \
/etc/dpkg/dpkg.cfg.d/ exclude /usr/share/man (path-exclude)?"
done
show_man() {  # the rendered page, formatting removed
  if command -v man >/dev/null; then
    MANWIDTH=80 man -P cat "$1" 2>/dev/null
  else
    mandoc -T ascii "/usr/share/man/man1/$1.1.gz" 2>/dev/null
  fi | sed 's/.\x08//g'
}
show_man cspy >"$work/cspy.txt"
grep -q 'sampling profiler for live native processes' "$work/cspy.txt" ||
  { head -20 "$work/cspy.txt" >&2; die "'man cspy' does not show the cspy page"; }
grep -q 'EXIT STATUS' "$work/cspy.txt" || die "'man cspy' has no EXIT STATUS"
show_man cspy-record >"$work/cspy-record.txt"
grep -q -- '--stack-bytes' "$work/cspy-record.txt" || die "'man cspy-record' does not show --stack-bytes"
echo "man cspy: $(wc -l <"$work/cspy.txt") lines"

step "completing with the installed bash completion"
got=$(bash --norc -c 'source /usr/share/bash-completion/completions/cspy &&
  COMP_WORDS=(cspy rec); COMP_CWORD=1; _cspy; echo "${COMPREPLY[*]}"')
[ "$got" = record ] || die "the installed completion completes 'cspy rec' to '$got'"

step "removing it (dpkg -r)"
dpkg -r cspy >/dev/null || die "dpkg -r cspy failed"
installed && die "cspy is still installed after dpkg -r"
[ ! -e /usr/bin/cspy ] || die "/usr/bin/cspy is still there after dpkg -r"
echo "ok: built, installed, ran and removed $(basename "$deb")"
