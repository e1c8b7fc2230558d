#!/usr/bin/env bash
# Sources the bash completion and drives _cspy by hand (COMP_WORDS/COMP_CWORD), as bash
# does on Tab: commands, each command's options (exactly those of `cspy <command> --help`),
# PIDs after --pid, files after -o, value lists, the program after "--".
# usage: bash_completion_test.sh CSPY COMPLETION_SCRIPT
set -uo pipefail
export LC_ALL=C  # the sort order of the expected lists
cspy=${1:?usage: bash_completion_test.sh CSPY COMPLETION_SCRIPT}
script=${2:?}
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# shellcheck source=/dev/null
source "$script" || { echo "FAIL: cannot source $script" >&2; exit 1; }
complete -p cspy 2>/dev/null | grep -q -- '-F _cspy' || fail "'complete -p cspy' does not name _cspy"

# complete WORD...: the candidates for the last word, one per line, sorted.
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _cspy cspy "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
# expect_has DESCRIPTION CANDIDATE WORD...: CANDIDATE is among the completions.
expect_has() {
  local what=$1 want=$2; shift 2
  grep -qxF -- "$want" <<<"$(complete_words "$@")" ||
    fail "$what: completing '$*' does not offer '$want' (got: $(complete_words "$@" | tr '\n' ' '))"
}
# expect_exactly DESCRIPTION "SORTED LIST" WORD...
expect_exactly() {
  local what=$1 want=$2; shift 2
  local got
  got=$(complete_words "$@" | tr '\n' ' ' | sed 's/ $//')
  [ "$got" = "$want" ] || fail "$what: completing '$*' offers '$got', expected '$want'"
}

expect_exactly "a command" "record" cspy rec
expect_has "an option of record" --rate cspy record --r
expect_exactly "options starting --r" "--rate --raw --reverse" cspy record --r
expect_exactly "global options" "--help --version -V -h" cspy -

# The commands are those of `cspy --help`; the options of each, those of its --help.
commands=$("$cspy" --help | sed -n '/^commands:$/,/^$/p' | awk 'NF && $1 != "commands:" {print $1}')
[ -n "$commands" ] || fail "cspy --help lists no commands"
expect_exactly "all commands" "$(sort <<<"$commands" | tr '\n' ' ' | sed 's/ $//')" cspy ""
for command in $commands; do
  want=$("$cspy" "$command" --help |
    sed -n 's/^  -\([[:alnum:]]\), --\([[:alnum:]-]*\).*/-\1 --\2/p; s/^  --\([[:alnum:]-]*\).*/--\1/p' |
    tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
  expect_exactly "the options of '$command' (as in its --help)" "$want" cspy "$command" -
  # An option that takes a value (`--rate HZ` in --help) is followed by its value, not options.
  for option in $("$cspy" "$command" --help | sed -n 's/^  \(-[[:alnum:]], \)\{0,1\}\(--[[:alnum:]-]*\) [A-Z].*/\2/p'); do
    grep -q -- '^--' <<<"$(complete_words cspy "$command" "$option" -)" &&
      fail "completing after '$command $option' offers options, not its value"
  done
done

# Values.
expect_has "a PID after --pid" "$$" cspy record --pid ""
expect_has "a PID after -p" "$$" cspy dump -p ""
expect_has "a PID after --pid=" "$$" cspy top --pid = ""
expect_exactly "formats" "speedscope" cspy record --format s
expect_exactly "samplers" "perf_event ptrace" cspy top --sampler p
expect_exactly "no value for --rate" "" cspy record --rate ""
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
touch "$dir/profile.svg" "$dir/run.raw"
expect_exactly "a file after -o" "$dir/profile.svg" cspy record -o "$dir/pro"
expect_exactly "a file after --raw" "$dir/run.raw" cspy record --raw "$dir/ru"
expect_exactly "report's raw file" "$dir/run.raw" cspy report "$dir/r"
expect_exactly "diff's second recording" "$dir/run.raw" cspy diff "$dir/run.raw" "$dir/r"
expect_exactly "a file after --before" "$dir/run.raw" cspy diff --before "$dir/ru"
expect_exactly "diff's formats" "flamegraph folded" cspy diff -f f
# After "--": a program, then (without bash-completion loaded) file names.
expect_has "a program after --" bash cspy record -p 1 -- bas
expect_exactly "the program's arguments" "$dir/profile.svg" cspy record -- prog "$dir/pro"

# Under bash-completion, as in an interactive shell: its loader finds the script by the
# name it is installed under (share/bash-completion/completions/cspy), and the program's
# arguments after "--" are completed by that program's own completion.
bash_completion=/usr/share/bash-completion/bash_completion
if [ ! -f "$bash_completion" ]; then
  fail "$bash_completion is missing: install bash-completion (scripts/install-deps.sh)"
else
  mkdir -p "$dir/share/bash-completion/completions"
  cp "$script" "$dir/share/bash-completion/completions/cspy"
  got=$(XDG_DATA_DIRS="$dir/share" bash --norc -c '
    source "$1" >/dev/null 2>&1
    complete -r cspy 2>/dev/null
    _completion_loader cspy >/dev/null 2>&1
    complete -p cspy | grep -q -- "-F _cspy" || { echo "the loader did not load it"; exit; }
    COMP_WORDS=(cspy record --r); COMP_CWORD=2; _cspy 2>/dev/null; echo "${COMPREPLY[*]}"
    COMP_WORDS=(cspy record -- ls --colo); COMP_CWORD=4; COMP_LINE="cspy record -- ls --colo"
    COMP_POINT=${#COMP_LINE}; _cspy 2>/dev/null; echo "${COMPREPLY[*]}"' _ "$bash_completion")
  [[ $got == *--rate* ]] || fail "under bash-completion, 'cspy record --r' offers: $got"
  [[ $got == *--color* ]] ||
    fail "under bash-completion, 'cspy record -- ls --colo' does not use ls's completion: $got"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "bash completion agrees with --help for: ${commands//$'\n'/ }"
