// Reading dicts and instance attributes from a CPython process's memory, for every
// version's dict layout: combined and split tables, and 3.11+'s managed instance dicts
// (values before or, 3.13, inline after the object). Nothing is run in the target.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "cspy/process/process.h"
#include "cspy/python/layout.h"

namespace cspy::python {

struct DictItem {
  std::uint64_t key = 0;  // PyObject*
  std::uint64_t value = 0;
};

inline constexpr std::size_t kMaxDictItems = 1 << 14;

// The items of the dict object at `dict` (in insertion order for combined tables); empty
// when it cannot be read.
std::vector<DictItem> read_dict(const process::Process& p, const Layout& layout,
                                std::uint64_t dict);

// The attributes of the object at `object` (its instance dict, wherever the version keeps
// it); empty when it has none or it cannot be read.
std::vector<DictItem> read_attributes(const process::Process& p, const Layout& layout,
                                      std::uint64_t object);

// The value of the item whose key is the str `name`, or 0.
std::uint64_t find_str_key(const process::Process& p, const Layout& layout,
                           const std::vector<DictItem>& items, std::string_view name);

}  // namespace cspy::python
