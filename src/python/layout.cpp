// The layout tables of CPython 3.8-3.13 (x86-64, release builds), from each version's
// headers; tests/python/check_layout.sh checks them against offsetof().
#include "cspy/python/layout.h"

#include <algorithm>
#include <array>
#include <initializer_list>

namespace cspy::python {

namespace {

// Fields shared by 3.8-3.10 (PyFrameObject frames).
constexpr Layout old_frames(int version, int gil_locked, int gil_last_holder, int lasti,
                            int localsplus) {
  Layout l;
  l.version = version;
  l.runtime_interpreters_head = 32;
  l.runtime_gil_locked = gil_locked;
  l.runtime_gil_last_holder = gil_last_holder;
  l.interp_next = 0;
  l.interp_threads_head = 8;
  l.tstate_next = 8;
  l.tstate_thread_id = 176;
  l.tstate_frame = 24;
  l.frame_back = 24;
  l.frame_code = 32;
  l.frame_lasti = lasti;
  l.frame_localsplus = localsplus;
  l.frame_size = lasti + 8;
  l.code_name = 112;
  l.code_varnames = 72;
  l.code_filename = 104;
  l.code_firstlineno = 40;
  l.code_nlocals = 28;
  l.code_linetable = 120;
  l.code_size = 128;
  l.unicode_ascii_data = 48;
  l.unicode_compact_data = 72;
  l.dictkeys_size = 8;
  return l;
}

// Fields shared by 3.11-3.13 (_PyInterpreterFrame frames).
constexpr Layout new_frames(int version) {
  Layout l;
  l.version = version;
  l.interp_next = 0;
  l.tstate_next = 8;
  l.frame_instr = 56;
  l.frame_localsplus = 72;
  l.frame_size = 72;
  l.code_name = 120;
  l.code_qualname = 128;
  l.code_localsplusnames = 96;
  l.code_filename = 112;
  l.code_nlocals = 80;
  l.code_linetable = 136;
  l.code_size = 144;
  l.dictkeys_log2_size = 8;
  l.dictkeys_log2_index_bytes = 9;
  l.dictkeys_kind = 10;
  l.dictkeys_nentries = 24;
  l.dictkeys_indices = 32;
  l.tpflags_managed_dict = 1 << 4;
  l.object_managed_dict = -24;
  return l;
}

constexpr Layout v311() {
  Layout l = new_frames(311);
  l.runtime_interpreters_head = 40;
  l.runtime_gil_locked = 376;
  l.runtime_gil_last_holder = 368;
  l.interp_threads_head = 16;
  l.tstate_thread_id = 152;
  l.tstate_native_thread_id = 160;
  l.tstate_cframe = 56;
  l.cframe_current_frame = 8;
  l.frame_back = 48;
  l.frame_code = 32;
  l.frame_owner = 69;
  l.frame_is_entry = 68;
  l.code_code_adaptive = 184;
  l.code_firstlineno = 72;
  l.unicode_ascii_data = 48;
  l.unicode_compact_data = 72;
  l.interp_modules = 888;
  l.heaptype_cached_keys = 872;
  l.object_managed_values = -32;
  return l;
}

constexpr Layout v312() {
  Layout l = new_frames(312);
  l.runtime_interpreters_head = 40;
  l.interp_gil = 384;
  l.gil_locked = 16;
  l.gil_last_holder = 8;
  l.interp_threads_head = 72;
  l.tstate_thread_id = 136;
  l.tstate_native_thread_id = 144;
  l.tstate_cframe = 56;
  l.cframe_current_frame = 0;
  l.frame_back = 8;
  l.frame_code = 0;
  l.frame_owner = 70;
  l.code_code_adaptive = 192;
  l.code_firstlineno = 68;
  l.unicode_ascii_data = 40;
  l.unicode_compact_data = 56;
  l.interp_modules = 944;
  l.heaptype_cached_keys = 880;
  return l;
}

constexpr Layout v313() {
  Layout l = v312();
  l.version = 313;
  l.runtime_interpreters_head = 632;
  l.interp_gil = 16;
  l.interp_next = 7264;
  l.interp_threads_head = 7344;
  l.tstate_thread_id = 152;
  l.tstate_native_thread_id = 160;
  l.tstate_cframe = kNone;
  l.cframe_current_frame = kNone;
  l.tstate_current_frame = 72;
  l.code_code_adaptive = 200;
  l.interp_modules = 7656;
  l.dictvalues_values = 8;
  l.tpflags_inline_values = 1 << 2;
  return l;
}

constexpr Layout with_modules(Layout l, int interp_modules, int heaptype_cached_keys) {
  l.interp_modules = interp_modules;
  l.heaptype_cached_keys = heaptype_cached_keys;
  return l;
}

constexpr std::array<Layout, 6> kLayouts = {
    with_modules(old_frames(308, 1168, 1160, 104, 360), 56, 872),
    with_modules(old_frames(309, 368, 360, 104, 360), 856, 864),
    with_modules(old_frames(310, 368, 360, 96, 352), 856, 872),
    v311(),
    v312(),
    v313(),
};

// Each block read covers the fields read from it and fits its fixed-size buffer.
constexpr int end_of(int offset, int width) { return offset == kNone ? 0 : offset + width; }
constexpr bool covers(int size, std::size_t buffer, std::initializer_list<int> ends) {
  if (size <= 0 || static_cast<std::size_t>(size) > buffer) return false;
  return std::all_of(ends.begin(), ends.end(), [size](int end) { return end <= size; });
}
constexpr bool blocks_fit(const Layout& l) {
  return covers(l.code_size, kMaxCodeBytes,
                {end_of(l.object_type, 8), end_of(l.code_name, 8), end_of(l.code_qualname, 8),
                 end_of(l.code_filename, 8), end_of(l.code_firstlineno, 4),
                 end_of(l.code_linetable, 8)}) &&
         covers(l.frame_size, kMaxFrameBytes,
                {end_of(l.frame_back, 8), end_of(l.frame_code, 8), end_of(l.frame_lasti, 4),
                 end_of(l.frame_instr, 8), end_of(l.frame_owner, 1), end_of(l.frame_is_entry, 1)});
}
static_assert(std::all_of(kLayouts.begin(), kLayouts.end(), blocks_fit));

}  // namespace

const Layout* find_layout(int major, int minor) {
  for (const Layout& l : kLayouts) {
    if (l.version == major * 100 + minor) return &l;
  }
  return nullptr;
}

const char* supported_versions() { return "3.8-3.13"; }

void print_layout(const Layout& l, std::FILE* out) {
  auto p = [out](const char* name, int value) {
    if (value != kNone) (void)std::fprintf(out, "%s %d\n", name, value);
  };
  p("version", l.version);
  p("runtime.interpreters_head", l.runtime_interpreters_head);
  p("runtime.gil_locked", l.runtime_gil_locked);
  p("runtime.gil_last_holder", l.runtime_gil_last_holder);
  p("interp.gil", l.interp_gil);
  p("gil.locked", l.gil_locked);
  p("gil.last_holder", l.gil_last_holder);
  p("interp.next", l.interp_next);
  p("interp.threads_head", l.interp_threads_head);
  p("tstate.next", l.tstate_next);
  p("tstate.thread_id", l.tstate_thread_id);
  p("tstate.native_thread_id", l.tstate_native_thread_id);
  p("tstate.frame", l.tstate_frame);
  p("tstate.cframe", l.tstate_cframe);
  p("cframe.current_frame", l.cframe_current_frame);
  p("tstate.current_frame", l.tstate_current_frame);
  p("frame.back", l.frame_back);
  p("frame.code", l.frame_code);
  p("frame.lasti", l.frame_lasti);
  p("frame.instr", l.frame_instr);
  p("frame.owner", l.frame_owner);
  p("frame.is_entry", l.frame_is_entry);
  p("frame.localsplus", l.frame_localsplus);
  p("code.name", l.code_name);
  p("code.qualname", l.code_qualname);
  p("code.localsplusnames", l.code_localsplusnames);
  p("code.varnames", l.code_varnames);
  p("code.code_adaptive", l.code_code_adaptive);
  p("code.filename", l.code_filename);
  p("code.firstlineno", l.code_firstlineno);
  p("code.nlocals", l.code_nlocals);
  p("code.linetable", l.code_linetable);
  p("object.type", l.object_type);
  p("type.name", l.type_name);
  p("type.flags", l.type_flags);
  p("varobject.size", l.varobject_size);
  p("bytes.data", l.bytes_data);
  p("tuple.items", l.tuple_items);
  p("unicode.length", l.unicode_length);
  p("unicode.state", l.unicode_state);
  p("unicode.ascii_data", l.unicode_ascii_data);
  p("unicode.compact_data", l.unicode_compact_data);
  p("unicode.kind_bit", l.unicode_kind_bit);
  p("unicode.compact_bit", l.unicode_compact_bit);
  p("unicode.ascii_bit", l.unicode_ascii_bit);
  p("float.value", l.float_value);
  p("long.size", l.long_size);
  p("long.digits", l.long_digits);
  p("interp.modules", l.interp_modules);
  p("module.dict", l.module_dict);
  p("type.basicsize", l.type_basicsize);
  p("type.dictoffset", l.type_dictoffset);
  p("heaptype.cached_keys", l.heaptype_cached_keys);
  p("dict.keys", l.dict_keys);
  p("dict.values", l.dict_values);
  // dictkeys.size (3.8-3.10) has no installed header to be checked against.
  p("dictkeys.log2_size", l.dictkeys_log2_size);
  p("dictkeys.log2_index_bytes", l.dictkeys_log2_index_bytes);
  p("dictkeys.kind", l.dictkeys_kind);
  if (l.dictkeys_size == kNone) {
    p("dictkeys.nentries", l.dictkeys_nentries);
    p("dictkeys.indices", l.dictkeys_indices);
    p("dictvalues.values", l.dictvalues_values);
  }
  p("tpflags.managed_dict", l.tpflags_managed_dict);
  p("object.managed_dict", l.object_managed_dict);
  p("tpflags.inline_values", l.tpflags_inline_values);
  p("object.managed_values", l.object_managed_values);
}

}  // namespace cspy::python
