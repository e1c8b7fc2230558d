// Layout: where CPython keeps what cspy reads, for one minor version (3.8-3.13): offsets
// of fields in the runtime, interpreter, thread state, frame, code and string objects.
// The one place this knowledge lives; tests/python/check_layout.sh compares every entry
// with offsetof() from the real headers of each installed interpreter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

namespace cspy::python {

inline constexpr int kNone = -1;  // the field does not exist in this version

// The most bytes read of one frame and of one code object's header, in any version
// (layout.cpp checks every table against them).
inline constexpr std::size_t kMaxFrameBytes = 128;
inline constexpr std::size_t kMaxCodeBytes = 144;

struct Layout {
  int version = 0;  // 3.11 -> 311
  // _PyRuntimeState
  int runtime_interpreters_head = kNone;
  int runtime_gil_locked = kNone;       // 3.8-3.11: the GIL is in the runtime
  int runtime_gil_last_holder = kNone;  // 3.8-3.11
  // PyInterpreterState
  int interp_gil = kNone;  // 3.12+: pointer to the interpreter's GIL
  int interp_next = 0;
  int interp_threads_head = 0;
  // struct _gil_runtime_state, 3.12+
  int gil_locked = kNone;
  int gil_last_holder = kNone;
  // PyThreadState
  int tstate_next = 0;
  int tstate_thread_id = 0;             // pthread_t
  int tstate_native_thread_id = kNone;  // 3.11+: the OS thread id
  int tstate_frame = kNone;             // 3.8-3.10: PyFrameObject*
  int tstate_cframe = kNone;            // 3.11-3.12: _PyCFrame*
  int cframe_current_frame = kNone;     // 3.11-3.12
  int tstate_current_frame = kNone;     // 3.13: _PyInterpreterFrame*
  // PyFrameObject (3.8-3.10) or _PyInterpreterFrame (3.11+)
  int frame_back = 0;
  int frame_code = 0;
  int frame_lasti = kNone;     // 3.8-3.10: int, bytes (3.8-3.9) or code units (3.10)
  int frame_instr = kNone;     // 3.11+: _Py_CODEUNIT* (previous in 3.11-3.12, current in 3.13)
  int frame_owner = kNone;     // 3.11+
  int frame_is_entry = kNone;  // 3.11
  int frame_localsplus = 0;
  int frame_size = 0;  // bytes read per frame (covers every field above)
  // PyCodeObject
  int code_name = 0;
  int code_qualname = kNone;         // 3.11+
  int code_localsplusnames = kNone;  // 3.11+
  int code_varnames = kNone;         // 3.8-3.10
  int code_code_adaptive = kNone;    // 3.11+
  int code_filename = 0;
  int code_firstlineno = 0;
  int code_nlocals = 0;
  int code_linetable = 0;  // co_lnotab (3.8-3.9) or co_linetable (3.10+)
  int code_size = 0;       // bytes read per code object (covers every field above)
  // Objects
  int object_type = 8;
  int type_name = 24;
  int type_flags = 168;
  int varobject_size = 16;
  int bytes_data = 32;
  int tuple_items = 24;
  int unicode_length = 16;
  int unicode_state = 32;
  int unicode_ascii_data = 0;    // sizeof(PyASCIIObject)
  int unicode_compact_data = 0;  // sizeof(PyCompactUnicodeObject)
  int unicode_kind_bit = 2;
  int unicode_compact_bit = 5;
  int unicode_ascii_bit = 6;
  int float_value = 16;
  int long_size = 16;  // ob_size (3.8-3.11) or lv_tag (3.12+)
  int long_digits = 24;
  // Instance attributes and dicts (Python thread names: threading._active)
  int interp_modules = 0;  // sys.modules
  int module_dict = 16;
  int type_basicsize = 32;
  int type_dictoffset = 288;
  int heaptype_cached_keys = 0;  // the keys a class's instances share (split tables)
  int dict_keys = 32;
  int dict_values = 40;
  // PyDictKeysObject: 3.8-3.10 its size is a count of slots (dk_size, in
  // Objects/dict-common.h, not installed: checked by reading live dicts only), 3.11+ its
  // log2 and that of the index bytes; 3.11+ also says whether entries keep hashes.
  int dictkeys_size = kNone;  // 3.8-3.10
  int dictkeys_log2_size = kNone;
  int dictkeys_log2_index_bytes = kNone;
  int dictkeys_kind = kNone;
  int dictkeys_nentries = 32;
  int dictkeys_indices = 40;
  int dictvalues_values = 0;  // 3.13: PyDictValues has a header before its values
  // 3.11+: instance dicts managed by the interpreter, before the object's header.
  int tpflags_managed_dict = kNone;
  int tpflags_inline_values = kNone;  // 3.13: values inline after the object
  int object_managed_dict = kNone;    // 3.12: tagged, dict or values (low bit set)
  int object_managed_values = kNone;  // 3.11
};

// The layout of CPython major.minor, or null when cspy does not know that version.
const Layout* find_layout(int major, int minor);
// The versions cspy knows, as text: "3.8-3.13".
const char* supported_versions();
// Prints the layout as "name value" lines, in the names and order of
// tests/python/layout_probe.c (fields the version lacks are left out).
void print_layout(const Layout& layout, std::FILE* out);

}  // namespace cspy::python
