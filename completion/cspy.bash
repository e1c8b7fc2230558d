# bash completion for cspy(1): commands, each command's options, PIDs after --pid,
# file names after --output/--raw/--input/--before/--after and as the operands of report
# and diff, format and sampler names, and the program and its arguments after "--".
# Installed as
# ${datadir}/bash-completion/completions/cspy; self-contained (it uses bash-completion's
# helpers only when they are loaded). tests/integration/docs checks that the commands
# and options here are exactly those of `cspy --help` and `cspy <command> --help`.

_cspy_commands="record dump top report diff"

# The options of one command, as `cspy <command> --help` lists them.
_cspy_command_options() {
  case $1 in
    record)
      echo "-h --help -p --pid -o --output -f --format -r --rate -d --duration --sampler
            --subprocesses --idle --off-cpu --threads --lines --full-signatures --no-inline --reverse --title --stack-bytes
            --python-only --no-python --python-internals --gil --debug-dir
            --max-depth --unwinder --raw --nonblocking --native --nolineno --keep-running -q --quiet
            --every --upload --app-name --tag" ;;
    dump)
      echo "-h --help -p --pid --json --full-signatures --python-only --no-python --python-internals
            --locals --debug-dir" ;;
    top)
      echo "-h --help -p --pid -r --rate -d --delay --save --sampler --subprocesses --idle --off-cpu
            --full-signatures --python-only --no-python --python-internals --gil --debug-dir" ;;
    report)
      echo "-h --help -i --input -o --output -f --format --map-path --threads --lines
            --full-signatures --off-cpu --reverse --title --thread --focus --exclude
            --python-only --no-python --python-internals --debug-dir" ;;
    diff)
      echo "-h --help --before --after -o --output -f --format --map-path --lines
            --full-signatures --title --thread --focus --exclude" ;;
  esac
}

# Whether option $2 of command $1 takes a value (the next word).
_cspy_option_takes_value() {
  case $2 in
    -p | --pid | -o | --output | -f | --format | -r | -F | --rate | -d | --duration | --delay | \
      --sampler | --unwinder | --title | --stack-bytes | --max-depth | --raw | -i | --input | \
      --map-path | --thread | --focus | --exclude | --before | --after | --debug-dir | \
      --every | --upload | --app-name | --tag | --save)
      return 0 ;;
  esac
  return 1
}

# COMPREPLY: the words of `compgen ARGS...`, one per line (names may contain spaces).
_cspy_reply() {
  mapfile -t COMPREPLY < <(compgen "$@")
}

_cspy_files() {
  compopt -o filenames 2>/dev/null
  _cspy_reply -f -- "$1"
}

_cspy_pids() {
  local pids=(/proc/[0-9]*)
  pids=("${pids[@]#/proc/}")
  _cspy_reply -W "${pids[*]}" -- "$1"
}

_cspy() {
  COMPREPLY=()
  local cword=$COMP_CWORD
  local cur=${COMP_WORDS[cword]}
  local prev=""
  ((cword > 0)) && prev=${COMP_WORDS[cword - 1]}
  # "--opt=value": bash splits at '=' (COMP_WORDBREAKS); the option is the word before it.
  if [[ $cur == "=" ]]; then
    cur=""
  elif [[ $prev == "=" ]] && ((cword > 1)); then
    prev=${COMP_WORDS[cword - 2]}
  fi

  if ((cword <= 1)); then
    if [[ $cur == -* ]]; then
      _cspy_reply -W "-h --help -V --version" -- "$cur"
    else
      _cspy_reply -W "$_cspy_commands" -- "$cur"
    fi
    return 0
  fi

  local command=${COMP_WORDS[1]}
  local options
  options=$(_cspy_command_options "$command")
  [[ -n $options ]] || return 0

  # After "--": a program to start and its arguments.
  local i
  for ((i = 2; i < cword; i++)); do
    if [[ ${COMP_WORDS[i]} == "--" ]]; then
      if ((i + 1 == cword)); then
        _cspy_reply -c -- "$cur"
      elif declare -F _command_offset >/dev/null; then
        _command_offset $((i + 1))
      else
        _cspy_files "$cur"
      fi
      return 0
    fi
  done

  case $prev in
    -p | --pid)
      _cspy_pids "$cur"
      return 0 ;;
    -o | --output | --raw | -i | --input | --before | --after | --save)
      _cspy_files "$cur"
      return 0 ;;
    --debug-dir)
      compopt -o filenames 2>/dev/null
      _cspy_reply -d -- "$cur"
      return 0 ;;
    -f | --format)
      if [[ $command == diff ]]; then
        _cspy_reply -W "flamegraph folded" -- "$cur"
      else
        _cspy_reply -W "flamegraph folded speedscope pprof" -- "$cur"
      fi
      return 0 ;;
    --sampler)
      _cspy_reply -W "perf_event ptrace" -- "$cur"
      return 0 ;;
    --unwinder)
      _cspy_reply -W "libdw libunwind" -- "$cur"
      return 0 ;;
  esac
  if _cspy_option_takes_value "$command" "$prev"; then
    return 0  # a number, a title, a path mapping: nothing to offer
  fi

  if [[ $cur == -* || ($command != report && $command != diff) ]]; then
    _cspy_reply -W "$options" -- "$cur"
  else
    _cspy_files "$cur"  # report's raw sample file, diff's two recordings
  fi
  return 0
}

complete -F _cspy cspy
