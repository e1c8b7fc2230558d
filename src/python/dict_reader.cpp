// Reading dicts and instance attributes from a CPython process.
#include "dict_reader.h"

#include <algorithm>
#include <array>

#include "remote.h"

namespace cspy::python {

namespace {

constexpr std::uint8_t kGeneralKeys = 0;   // 3.11+ DICT_KEYS_GENERAL: entries keep the hash
constexpr std::size_t kGeneralEntry = 24;  // hash, key, value
constexpr std::size_t kUnicodeEntry = 16;  // key, value

// Where a keys object's entries are and how they are laid out.
struct Keys {
  std::uint64_t entries = 0;
  std::size_t count = 0;       // dk_nentries
  std::size_t entry_size = 0;  // bytes per entry
  int key_at = 0;              // offset of the key in an entry
  int value_at = 0;            // offset of the value in an entry
};

bool read_keys(const process::Process& p, const Layout& l, std::uint64_t keys, Keys& out) {
  std::array<std::uint8_t, 48> head{};
  if (!read_bytes(p, keys, head.data(), head.size())) return false;
  const auto nentries = field<std::int64_t>(head, l.dictkeys_nentries);
  std::uint64_t index_bytes = 0;
  bool general = true;
  if (l.dictkeys_size != kNone) {  // 3.8-3.10: dk_size slots of 1, 2, 4 or 8 bytes each
    const auto size = field<std::int64_t>(head, l.dictkeys_size);
    if (size <= 0 || size > (1 << 24)) return false;
    const std::uint64_t width = size <= 0xff ? 1 : size <= 0xffff ? 2 : 4;
    index_bytes = static_cast<std::uint64_t>(size) * width;
  } else {
    const auto log2_index_bytes = field<std::uint8_t>(head, l.dictkeys_log2_index_bytes);
    if (log2_index_bytes > 27) return false;
    index_bytes = std::uint64_t{1} << log2_index_bytes;
    general = field<std::uint8_t>(head, l.dictkeys_kind) == kGeneralKeys;
  }
  if (nentries < 0 || static_cast<std::size_t>(nentries) > kMaxDictItems) return false;
  out.entries = keys + static_cast<std::uint64_t>(l.dictkeys_indices) + index_bytes;
  out.count = static_cast<std::size_t>(nentries);
  out.entry_size = general ? kGeneralEntry : kUnicodeEntry;
  out.key_at = general ? 8 : 0;
  out.value_at = general ? 16 : 8;
  return true;
}

// The items of a keys object; a split table's values come from `values` (its array of
// PyObject*, one per entry), a combined table's from the entries themselves.
std::vector<DictItem> read_items(const process::Process& p, const Layout& l, std::uint64_t keys,
                                 std::uint64_t values) {
  Keys k;
  if (!read_keys(p, l, keys, k) || k.count == 0) return {};
  std::vector<std::uint8_t> entries(k.count * k.entry_size);
  if (!read_bytes(p, k.entries, entries.data(), entries.size())) return {};
  std::vector<std::uint64_t> split;
  if (values != 0) {
    split.resize(k.count);
    if (!read_bytes(p, values, split.data(), split.size() * 8)) return {};
  }
  std::vector<DictItem> out;
  for (std::size_t i = 0; i < k.count; ++i) {
    const int at = static_cast<int>(i * k.entry_size);
    DictItem item{.key = field<std::uint64_t>(entries, at + k.key_at),
                  .value = values != 0 ? split[i] : field<std::uint64_t>(entries, at + k.value_at)};
    if (item.key != 0 && item.value != 0) out.push_back(item);
  }
  return out;
}

}  // namespace

std::vector<DictItem> read_dict(const process::Process& p, const Layout& l, std::uint64_t dict) {
  std::uint64_t keys = 0;
  std::uint64_t values = 0;
  if (!read_value(p, dict + l.dict_keys, keys) || !read_value(p, dict + l.dict_values, values))
    return {};
  return read_items(p, l, keys, values == 0 ? 0 : values + l.dictvalues_values);
}

std::vector<DictItem> read_attributes(const process::Process& p, const Layout& l,
                                      std::uint64_t object) {
  std::uint64_t type = 0;
  if (!read_value(p, object + l.object_type, type)) return {};
  std::uint64_t flags = 0;
  std::int64_t dictoffset = 0;
  std::int64_t basicsize = 0;
  if (!read_value(p, type + l.type_flags, flags) ||
      !read_value(p, type + l.type_dictoffset, dictoffset) ||
      !read_value(p, type + l.type_basicsize, basicsize)) {
    return {};
  }
  const bool managed = l.tpflags_managed_dict != kNone &&
                       (flags & static_cast<std::uint64_t>(l.tpflags_managed_dict));
  if (!managed) {  // a dict pointer at tp_dictoffset
    std::uint64_t dict = 0;
    if (dictoffset <= 0 || !read_value(p, object + static_cast<std::uint64_t>(dictoffset), dict))
      return {};
    return dict == 0 ? std::vector<DictItem>{} : read_dict(p, l, dict);
  }
  // Managed: a dict before the object's header once one was made, else values shared with
  // the class's cached keys (3.11 before the header, 3.12 tagged in the dict's place, 3.13
  // inline after the object).
  std::uint64_t dict = 0;
  if (!read_value(p, object + static_cast<std::uint64_t>(l.object_managed_dict), dict)) return {};
  std::uint64_t values = 0;
  if (l.object_managed_values != kNone) {
    if (dict == 0 &&
        !read_value(p, object + static_cast<std::uint64_t>(l.object_managed_values), values))
      return {};
  } else if (l.tpflags_inline_values == kNone) {
    if ((dict & 1U) != 0) values = dict + 1;  // 3.12: values stored as values - 1
  } else if (dict == 0 && (flags & static_cast<std::uint64_t>(l.tpflags_inline_values)) != 0) {
    values = object + static_cast<std::uint64_t>(basicsize);
  }
  if (values == 0) return dict == 0 ? std::vector<DictItem>{} : read_dict(p, l, dict);
  std::uint64_t keys = 0;
  if (!read_value(p, type + l.heaptype_cached_keys, keys) || keys == 0) return {};
  return read_items(p, l, keys, values + l.dictvalues_values);
}

std::uint64_t find_str_key(const process::Process& p, const Layout& l,
                           const std::vector<DictItem>& items, std::string_view name) {
  for (const DictItem& item : items) {
    if (read_str(p, l, item.key, name.size() + 1) == name) return item.value;
  }
  return 0;
}

}  // namespace cspy::python
