#!/usr/bin/env bash
# The command-line conventions the man pages promise: `cspy --version` prints
# "cspy <version> (git <rev>)" and exits 0; --help goes to stdout and exits 0, for cspy and
# each command; usage errors (no command, an unknown command or option, a missing value)
# exit 2 with a message on stderr.
# usage: cli_conventions.sh CSPY VERSION GIT_REVISION
set -uo pipefail
cspy=${1:?usage: cli_conventions.sh CSPY VERSION GIT_REVISION}
version=${2:?}
revision=${3:?}
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
# run EXPECTED_STATUS ARGS...: runs cspy with no input and checks its exit status.
run() {
  local expected=$1; shift
  timeout 30 "$cspy" "$@" </dev/null >"$out" 2>"$err"
  local status=$?
  if [ "$status" -ne "$expected" ]; then
    fail "cspy $* exited $status, expected $expected; stderr: $(cat "$err")"
    return 1
  fi
  return 0
}

for flag in --version -V; do
  if run 0 "$flag"; then
    line=$(cat "$out")
    [ "$line" = "cspy $version (git $revision)" ] ||
      fail "cspy $flag printed '$line', expected 'cspy $version (git $revision)'"
    [[ $line =~ ^cspy\ [0-9]+\.[0-9]+\.[0-9]+\ \(git\ ([0-9a-f]{4,40}|unknown)\)$ ]] ||
      fail "cspy $flag: '$line' is not 'cspy <version> (git <rev>)'"
  fi
done

for flag in --help -h help; do
  if run 0 "$flag"; then
    grep -q '^usage: cspy ' "$out" || fail "cspy $flag: no usage line on stdout"
  fi
done
commands=$("$cspy" --help | sed -n '/^commands:$/,/^$/p' | awk 'NF && $1 != "commands:" {print $1}')
[ -n "$commands" ] || fail "cspy --help lists no commands"

run 2                     # no command
run 2 --no-such-option
run 2 no-such-command
for command in $commands; do
  if run 0 "$command" --help; then
    grep -q "^usage: cspy $command " "$out" || fail "cspy $command --help: no 'usage: cspy $command' line"
    grep -q '^options:$' "$out" || fail "cspy $command --help: no options block"
  fi
  run 2 "$command" --no-such-option && { [ -s "$err" ] || fail "cspy $command --no-such-option: no message"; }
  run 2 "$command" -Z                    # an unknown short option
done
run 2 record --pid                       # a missing value
run 2 record --rate 0 --pid 1
run 2 dump                               # no --pid

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "cli conventions hold for cspy and: ${commands//$'\n'/ }"
