"""Prints line-table cases for python_check: for every code object below, one line
"version name firstlineno hex(table) offset:line ...", with the line of each instruction
as the interpreter itself gives it (co_lines() from 3.10 on, dis.findlinestarts before;
0 where it gives none). Runs under any CPython 3.8-3.13."""
import dis
import sys

SOURCE = '''
def simple(a, b):
    c = a + b
    return c * 2

def loops(n):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            total += i
        else:
            total -= 1
    while total > 10:
        total //= 2
    return total

def far_apart(x):
    y = x + 1''' + "\n" * 300 + '''    z = y * 2''' + "\n" * 5000 + '''    return (z +
            y)

def backwards(items):
    return [i * 2
            for i in items
            if i]

class Holder:
    def method(self, v):
        try:
            return 1 / v
        except ZeroDivisionError:
            return 0
'''


def codes(code):
    yield code
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            yield from codes(const)


def expected_lines(code):
    size = len(code.co_code)
    lines = {}
    if sys.version_info >= (3, 10):
        for start, end, line in code.co_lines():
            for offset in range(start, end, 2):
                lines[offset] = line or 0
    else:
        starts = dict(dis.findlinestarts(code))
        line = code.co_firstlineno
        for offset in range(0, size, 2):
            line = starts.get(offset, line)
            lines[offset] = line
    return lines


def main():
    version = sys.version_info[0] * 100 + sys.version_info[1]
    module = compile(SOURCE, "cases.py", "exec")
    for code in codes(module):
        table = code.co_linetable if sys.version_info >= (3, 10) else code.co_lnotab
        pairs = " ".join(f"{o}:{l}" for o, l in sorted(expected_lines(code).items()))
        print(version, code.co_name.replace(" ", "_"), code.co_firstlineno, table.hex() or "-",
              pairs)


main()
