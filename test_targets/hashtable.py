"""Dictionary lookups with a good and a bad __hash__ ("High Performance Python", chapter 4).

City hashes on its first letter only (the book's bad hash), so cities sharing a first letter
collide and every insert and lookup probes down one long chain; twoletter_hash is the book's
perfect hash for two-letter keys. The reference for hashtable.cpp.
Usage: python3 hashtable.py [number_of_keys]  (default 20000)
"""
import string
import sys
import timeit


class City:
    def __init__(self, name):
        self.name = name

    def __eq__(self, other):
        return isinstance(other, City) and self.name == other.name

    def __hash__(self):
        return ord(self.name[0])


def twoletter_hash(key):
    offset = ord('a')
    k1, k2 = key
    return (ord(k2) - offset) + 26 * (ord(k1) - offset)


class Twoletter(str):
    def __hash__(self):
        return twoletter_hash(self)


def make_names(count):
    letters = string.ascii_lowercase
    return [letters[n % 26] + "city" + str(n) for n in range(count)]


def insert_and_lookup(keys):
    """Inserts every key with its position as value, then checks every lookup."""
    data = {}
    for value, key in enumerate(keys):
        data[key] = value
    found = sum(1 for value, key in enumerate(keys) if data.get(key) == value)
    return len(keys), found


def run(label, keys):
    start = timeit.default_timer()
    lookups, found = insert_and_lookup(keys)
    secs = timeit.default_timer() - start
    print(f"hash {label} lookups {lookups} found {found} took {secs:.4f} seconds")
    return lookups == found


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    names = make_names(count)
    twoletters = [a + b for a in string.ascii_lowercase for b in string.ascii_lowercase]
    ok = run("good", names)
    ok = run("bad", [City(name) for name in names]) and ok
    ok = run("twoletter", [Twoletter(key) for key in twoletters]) and ok
    sys.exit(0 if ok else 1)
