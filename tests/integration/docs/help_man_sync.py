#!/usr/bin/env python3
"""Checks that cspy's --help and its man pages cannot drift apart.

usage: help_man_sync.py CSPY MAN_DIR CLI_SOURCE

- `cspy --help` lists every command that src/cli/cli.cpp dispatches, and no other;
- man/cspy.1 exists and refers to every command; man/cspy-<command>.1 exists for each
  command, and no page exists for a command that does not;
- for cspy.1 and each cspy-<command>.1, the .It entries of the OPTIONS section are
  exactly the options of `cspy [<command>] --help`: the same long names, the same
  one-letter forms, a value (Ar) exactly where --help names one (`--rate HZ`), and each
  default --help shows `(default: X)` stated near the word "default" in the entry's text.
Prints every mismatch and exits 1 if there is any.
"""
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Option:
    long: str
    short: str | None = None
    takes_value: bool = False
    default: str | None = None
    text: str = ""  # the man page entry's text, macros stripped

    def signature(self) -> str:
        s = f"-{self.short}, --{self.long}" if self.short else f"--{self.long}"
        return s + (" ARG" if self.takes_value else "")


def run_help(cspy: str, *args: str) -> str:
    proc = subprocess.run([cspy, *args, "--help"], capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise SystemExit(f"`cspy {' '.join(args)} --help` exited {proc.returncode}: {proc.stderr}")
    return proc.stdout


def block(help_text: str, title: str) -> list[str]:
    """The lines of a "title:" block of a help text, up to the next blank line."""
    lines = help_text.splitlines()
    try:
        start = lines.index(title + ":") + 1
    except ValueError:
        raise SystemExit(f"no '{title}:' block in help text:\n{help_text}")
    out = []
    for line in lines[start:]:
        if not line.strip():
            break
        out.append(line)
    return out


# "  -p, --pid PID        text", "  --threads   text", "  --map-path OLD=NEW  text"; the
# description may go on over lines indented further, and end in "(default: X)".
OPTION = re.compile(r"^  (?:-(?P<short>\w), )?--(?P<long>[\w-]+)(?P<arg> [A-Z][A-Z=]*)?(?:\s|$)")
DEFAULT = re.compile(r"\(default: (?P<default>[^)]*)\)\s*$")


def help_options(lines: list[str], errors: list[str], where: str) -> dict[str, Option]:
    options = {}
    current = None
    for line in lines:
        if not line.startswith("  -"):
            if current is not None:
                current.text += " " + line.strip()  # a description's continuation line
            continue
        m = OPTION.match(line)
        if not m:
            errors.append(f"{where}: cannot parse the help line {line!r}")
            current = None
            continue
        current = Option(m["long"], m["short"], bool(m["arg"]), text=line[m.end():].strip())
        options[m["long"]] = current
    for option in options.values():
        d = DEFAULT.search(option.text)
        option.default = d["default"] if d else None
    return options


MACRO = re.compile(r"^[A-Z][a-z][a-z]?$")  # mdoc macro names: Fl, Ar, Cm, Ql, Pq, Ns, Xr ...


def clean_text(line: str) -> str:
    """A source line as plain words: macro names dropped, escapes resolved."""
    words = line.split()
    if line.startswith("."):
        words = [w for w in words[1:] if not MACRO.match(w)]
    text = " ".join(words)
    return text.replace("\\-", "-").replace("\\&", "").replace("\\(em", "-")


def man_options(page: Path, errors: list[str]) -> dict[str, Option]:
    """The options of the .It entries at the top level of the page's OPTIONS section."""
    options: dict[str, Option] = {}
    in_section = False
    depth = 0
    current: Option | None = None
    for number, line in enumerate(page.read_text().splitlines(), 1):
        if line.startswith(".Sh "):
            in_section = line.split(None, 1)[1].strip() == "OPTIONS"
            current = None
            continue
        if not in_section:
            continue
        if line.startswith(".Bl"):
            depth += 1
            continue
        if line.startswith(".El"):
            depth -= 1
            if depth == 0:
                current = None
            continue
        if depth == 1 and line.startswith(".It"):
            current = parse_item(line, f"{page.name}:{number}", errors)
            if current is not None:
                if current.long in options:
                    errors.append(f"{page.name}:{number}: --{current.long} documented twice")
                options[current.long] = current
            continue
        if current is not None:
            current.text += " " + clean_text(line)
    if not options:
        errors.append(f"{page.name}: no options found under .Sh OPTIONS (.Bl -tag with .It Fl ...)")
    return options


def parse_item(line: str, where: str, errors: list[str]) -> Option | None:
    words = line.split()[1:]
    longs, shorts, takes_value = [], [], False
    for i, word in enumerate(words):
        if word == "Ar":
            takes_value = True
        if word == "Fl" and i + 1 < len(words):
            flag = words[i + 1]
            if flag.startswith("\\-") or flag.startswith("-"):
                longs.append(flag.lstrip("\\-"))
            else:
                shorts.append(flag)
    if len(longs) != 1 or len(shorts) > 1:
        errors.append(f"{where}: an option entry needs one long option (and at most one short): {line!r}")
        return None
    return Option(longs[0], shorts[0] if shorts else None, takes_value)


def default_documented(value: str, text: str) -> bool:
    value_re = re.compile(r"(?<![\w.])" + re.escape(value) + r"(?![\w]|\.\d)")
    for m in re.finditer(r"default", text, re.IGNORECASE):
        window = text[max(0, m.start() - 40): m.end() + 40]
        if value_re.search(window):
            return True
    return False


def compare(where: str, help_opts: dict[str, Option], man_opts: dict[str, Option], errors: list[str]):
    for name in sorted(help_opts.keys() - man_opts.keys()):
        errors.append(f"{where}: --{name} is in --help but not in the man page's OPTIONS")
    for name in sorted(man_opts.keys() - help_opts.keys()):
        errors.append(f"{where}: --{name} is in the man page's OPTIONS but not in --help")
    for name in sorted(help_opts.keys() & man_opts.keys()):
        h, m = help_opts[name], man_opts[name]
        if h.signature() != m.signature():
            errors.append(f"{where}: --help has '{h.signature()}', the man page '{m.signature()}'")
        if h.default is not None and not default_documented(h.default, m.text):
            errors.append(f"{where}: --{name} defaults to '{h.default}' (--help), which the man page "
                          f"does not state (write e.g. 'The default is {h.default}.')")


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    cspy, man_dir, cli_source = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    errors: list[str] = []

    top_help = run_help(cspy)
    commands = [line.split()[0] for line in block(top_help, "commands")]
    dispatched = set(re.findall(r'\bsub\s*==\s*"([a-z][\w-]*)"', cli_source.read_text())) - {"help"}
    if not dispatched:
        errors.append(f"{cli_source}: found no `sub == \"name\"` dispatch; update this test's parser")
    for name in sorted(dispatched - set(commands)):
        errors.append(f"`cspy --help` does not list the command '{name}' that {cli_source.name} runs")
    for name in sorted(set(commands) - dispatched):
        errors.append(f"`cspy --help` lists '{name}', which {cli_source.name} does not run")

    main_page = man_dir / "cspy.1"
    if not main_page.exists():
        errors.append(f"{main_page} is missing")
    else:
        text = main_page.read_text()
        for name in commands:
            if not re.search(rf"^\.Xr cspy-{re.escape(name)} 1\b", text, re.MULTILINE):
                errors.append(f"cspy.1 does not refer to cspy-{name}(1) (.Xr cspy-{name} 1)")
        compare("cspy.1", help_options(block(top_help, "options"), errors, "cspy --help"),
                man_options(main_page, errors), errors)

    pages = {p.name[len("cspy-"):-len(".1")] for p in man_dir.glob("cspy-*.1")}
    for name in sorted(pages - set(commands)):
        errors.append(f"man/cspy-{name}.1 documents a command `cspy --help` does not list")
    for name in commands:
        page = man_dir / f"cspy-{name}.1"
        if not page.exists():
            errors.append(f"man/cspy-{name}.1 is missing: every command needs a page "
                          f"(copy cspy-dump.1 and document `cspy {name} --help`)")
            continue
        help_opts = help_options(block(run_help(cspy, name), "options"), errors, f"cspy {name} --help")
        compare(page.name, help_opts, man_options(page, errors), errors)
        print(f"{page.name}: {len(help_opts)} options checked")

    for e in errors:
        print("FAIL: " + e)
    if errors:
        return 1
    print(f"help and man pages agree for cspy and its commands: {', '.join(commands)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
