// hashtable: the dictionary of "High Performance Python" chapter 4, as CPython builds it:
// a compact dict (an index table of size 2^k over an insertion-ordered entry array) probed
// with `i = (i*5 + perturb + 1) & mask`. With --hash bad (the book's City hash, ord(name[0]))
// nearly all time goes to the noinline `probe`, called by `insert` and `lookup`.
// Usage: hashtable [--hash good|bad|twoletter] [--keys N] [--seconds S]

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

// One slot of the entry array: the cached hash, the key and its value (a PyDictKeyEntry).
struct Entry {
  std::uint64_t hash;
  std::string key;
  long value;
};

// A CPython 3.6+ compact dict with string keys and no deletion.
struct Table {
  static constexpr std::int32_t kEmpty = -1;
  std::vector<std::int32_t> indices;  // size 2^k; kEmpty or an index into entries
  std::vector<Entry> entries;         // in insertion order
  std::uint64_t mask = 0;
  std::uint64_t probes = 0;      // slots looked at, over all probes
  std::uint64_t collisions = 0;  // slots looked at that held another key
};

using HashFunction = std::uint64_t (*)(std::string_view);

// A real string hash: 64-bit FNV-1a.
std::uint64_t good_hash(std::string_view key) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char ch : key) h = (h ^ ch) * 1099511628211ULL;
  return h;
}

// The book's City.__hash__: ord(self.name[0]).
std::uint64_t bad_hash(std::string_view key) { return static_cast<unsigned char>(key[0]); }

// The book's twoletter_hash: (ord(k2) - offset) + 26 * (ord(k1) - offset), offset = ord('a').
std::uint64_t twoletter_hash(std::string_view key) {
  const int offset = 'a';
  return static_cast<std::uint64_t>((key[1] - offset) + 26 * (key[0] - offset));
}

// CPython's lookdict: the slot of `key` in the index table, or the empty slot ending its chain.
__attribute__((noinline, noclone)) std::uint64_t probe(Table& table, std::uint64_t hash,
                                                       std::string_view key) {
  std::uint64_t perturb = hash;
  std::uint64_t i = hash & table.mask;
  for (;;) {
    ++table.probes;
    const std::int32_t index = table.indices[i];
    if (index == Table::kEmpty) return i;
    const Entry& entry = table.entries[static_cast<std::size_t>(index)];
    if (entry.hash == hash && entry.key == key) return i;
    ++table.collisions;
    perturb >>= 5;
    i = (i * 5 + perturb + 1) & table.mask;
  }
}

namespace {

// Rebuilds the index table with `size` slots (a power of two) over the entry array.
void resize(Table& table, std::size_t size) {
  table.indices.assign(size, Table::kEmpty);
  table.mask = size - 1;
  for (std::size_t e = 0; e < table.entries.size(); ++e) {
    std::uint64_t perturb = table.entries[e].hash;
    std::uint64_t i = perturb & table.mask;
    while (table.indices[i] != Table::kEmpty) {
      perturb >>= 5;
      i = (i * 5 + perturb + 1) & table.mask;
    }
    table.indices[i] = static_cast<std::int32_t>(e);
  }
}

}  // namespace

// Inserts or overwrites; grows like CPython (to used*3, rounded up to 2^k) at 2/3 full.
__attribute__((noinline, noclone)) void insert(Table& table, HashFunction hash_function,
                                               std::string_view key, long value) {
  if (table.indices.empty()) resize(table, 8);
  const std::uint64_t hash = hash_function(key);
  const std::uint64_t slot = probe(table, hash, key);
  const std::int32_t index = table.indices[slot];
  if (index != Table::kEmpty) {
    table.entries[static_cast<std::size_t>(index)].value = value;
    return;
  }
  table.indices[slot] = static_cast<std::int32_t>(table.entries.size());
  table.entries.push_back(Entry{hash, std::string(key), value});
  if (3 * table.entries.size() >= 2 * table.indices.size()) {
    std::size_t size = 8;
    while (size <= 3 * table.entries.size()) size *= 2;
    resize(table, size);
  }
}

// Finds `key`; returns a pointer to its value, or nullptr.
__attribute__((noinline, noclone)) const long* lookup(Table& table, HashFunction hash_function,
                                                      std::string_view key) {
  if (table.indices.empty()) return nullptr;
  const std::int32_t index = table.indices[probe(table, hash_function(key), key)];
  if (index == Table::kEmpty) return nullptr;
  return &table.entries[static_cast<std::size_t>(index)].value;
}

namespace {

struct Options {
  std::string hash = "good";
  long keys = -1;  // -1: the default for the hash
  double seconds = 0;
};

[[noreturn]] void usage_error(const char* message) {
  std::fprintf(stderr,
               "hashtable: %s\nusage: hashtable [--hash good|bad|twoletter] [--keys N] "
               "[--seconds S]\n",
               message);
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--hash") == 0 && has_value) {
      options.hash = argv[++i];
    } else if (std::strcmp(argv[i], "--keys") == 0 && has_value) {
      options.keys = std::strtol(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--seconds") == 0 && has_value) {
      options.seconds = std::strtod(argv[++i], nullptr);
    } else {
      usage_error("unknown option or missing value");
    }
  }
  const bool twoletter = options.hash == "twoletter";
  if (options.hash != "good" && options.hash != "bad" && !twoletter) usage_error("bad --hash");
  if (options.keys < 0) options.keys = twoletter ? 26 * 26 : 20000;
  if (options.keys < 1 || (twoletter && options.keys > 26 * 26)) {
    usage_error("--keys must be >= 1 (and <= 676 for twoletter)");
  }
  return options;
}

// Key number n: "aa".."zz" for twoletter; else a city-like name whose first letter cycles.
std::string make_key(long n, bool twoletter) {
  if (twoletter) {
    return {static_cast<char>('a' + n / 26), static_cast<char>('a' + n % 26)};
  }
  return static_cast<char>('a' + n % 26) + std::string("city") + std::to_string(n);
}

struct Counts {
  long lookups = 0;
  long found = 0;      // found with the right value
  long misses_ok = 0;  // absent keys correctly not found
  std::uint64_t probes = 0;
  std::uint64_t collisions = 0;
};

// One round: a fresh table, every key inserted then looked up (and, unless twoletter, one
// absent key per key, which must not be found).
void run_round(const std::vector<std::string>& keys, HashFunction hash_function, bool check_absent,
               Counts& counts) {
  Table table;
  for (std::size_t n = 0; n < keys.size(); ++n) {
    insert(table, hash_function, keys[n], static_cast<long>(n));
  }
  for (std::size_t n = 0; n < keys.size(); ++n) {
    ++counts.lookups;
    const long* value = lookup(table, hash_function, keys[n]);
    if (value != nullptr && *value == static_cast<long>(n)) ++counts.found;
  }
  if (check_absent) {  // twoletter keys may fill the whole two-letter key space
    for (const std::string& key : keys) {
      if (lookup(table, hash_function, key + "~absent") == nullptr) ++counts.misses_ok;
    }
  }
  counts.probes += table.probes;
  counts.collisions += table.collisions;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  const bool twoletter = options.hash == "twoletter";
  const HashFunction hash_function =
      twoletter ? twoletter_hash : (options.hash == "bad" ? bad_hash : good_hash);
  std::vector<std::string> keys;
  for (long n = 0; n < options.keys; ++n) keys.push_back(make_key(n, twoletter));

  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration<double>(options.seconds);
  Counts counts;
  long rounds = 0;
  do {
    run_round(keys, hash_function, !twoletter, counts);
    ++rounds;
  } while (Clock::now() < deadline);

  const long absent_expected = twoletter ? 0 : counts.lookups;
  std::printf(
      "hash %s rounds %ld lookups %ld found %ld absent_ok %ld probes %llu collisions %llu\n",
      options.hash.c_str(), rounds, counts.lookups, counts.found, counts.misses_ok,
      static_cast<unsigned long long>(counts.probes),
      static_cast<unsigned long long>(counts.collisions));
  if (counts.found != counts.lookups || counts.misses_ok != absent_expected) {
    std::fprintf(stderr, "hashtable: lookup mismatch\n");
    return 1;
  }
  return 0;
}
