/* layout_probe: prints, from a CPython version's own headers, every offset and size cspy's
 * python layout table holds for that version, one "name value" line each, in the order
 * and names of `cspy_python_layout X.Y`; check_layout.sh compares the two. Built against
 * each installed interpreter's include/ (internal headers included, Py_BUILD_CORE). */
#define Py_BUILD_CORE 1
#define NDEBUG 1 /* the inline accessors below are called on a fake object: no asserts */
#include <Python.h>
#include <frameobject.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#if PY_VERSION_HEX >= 0x03090000
#include <internal/pycore_interp.h>
#endif
#if PY_VERSION_HEX >= 0x030B0000
#include <internal/pycore_dict.h>
#include <internal/pycore_frame.h>
#include <internal/pycore_object.h>
#include <internal/pycore_runtime.h>
#else
#include <internal/pycore_pystate.h>
#endif

#define P(name, value) printf("%s %ld\n", name, (long)(value))

/* Which bit of the 32-bit unicode state word a bit field occupies. */
static int state_bit(void (*set)(PyASCIIObject *)) {
  PyASCIIObject o;
  unsigned int word;
  memset(&o, 0, sizeof o);
  set(&o);
  memcpy(&word, &o.state, sizeof word);
  return __builtin_ctz(word);
}
static void set_ascii(PyASCIIObject *o) { o->state.ascii = 1; }
static void set_compact(PyASCIIObject *o) { o->state.compact = 1; }
static void set_kind(PyASCIIObject *o) { o->state.kind = 1; }

int main(void) {
  P("version", PY_MAJOR_VERSION * 100 + PY_MINOR_VERSION);
  P("runtime.interpreters_head", offsetof(_PyRuntimeState, interpreters.head));
#if PY_VERSION_HEX < 0x030C0000
  P("runtime.gil_locked", offsetof(_PyRuntimeState, ceval.gil.locked));
  P("runtime.gil_last_holder", offsetof(_PyRuntimeState, ceval.gil.last_holder));
#else
  P("interp.gil", offsetof(PyInterpreterState, ceval.gil));
  P("gil.locked", offsetof(struct _gil_runtime_state, locked));
  P("gil.last_holder", offsetof(struct _gil_runtime_state, last_holder));
#endif
  P("interp.next", offsetof(PyInterpreterState, next));
#if PY_VERSION_HEX < 0x030B0000
  P("interp.threads_head", offsetof(PyInterpreterState, tstate_head));
#else
  P("interp.threads_head", offsetof(PyInterpreterState, threads.head));
#endif
  P("tstate.next", offsetof(PyThreadState, next));
  P("tstate.thread_id", offsetof(PyThreadState, thread_id));
#if PY_VERSION_HEX >= 0x030B0000
  P("tstate.native_thread_id", offsetof(PyThreadState, native_thread_id));
#endif
#if PY_VERSION_HEX < 0x030B0000
  P("tstate.frame", offsetof(PyThreadState, frame));
  P("frame.back", offsetof(PyFrameObject, f_back));
  P("frame.code", offsetof(PyFrameObject, f_code));
  P("frame.lasti", offsetof(PyFrameObject, f_lasti));
  P("frame.localsplus", offsetof(PyFrameObject, f_localsplus));
#else
#if PY_VERSION_HEX < 0x030D0000
  P("tstate.cframe", offsetof(PyThreadState, cframe));
  P("cframe.current_frame", offsetof(_PyCFrame, current_frame));
#else
  P("tstate.current_frame", offsetof(PyThreadState, current_frame));
#endif
  P("frame.back", offsetof(_PyInterpreterFrame, previous));
#if PY_VERSION_HEX < 0x030D0000
  P("frame.code", offsetof(_PyInterpreterFrame, f_code));
  P("frame.instr", offsetof(_PyInterpreterFrame, prev_instr));
#else
  P("frame.code", offsetof(_PyInterpreterFrame, f_executable));
  P("frame.instr", offsetof(_PyInterpreterFrame, instr_ptr));
#endif
  P("frame.owner", offsetof(_PyInterpreterFrame, owner));
#if PY_VERSION_HEX < 0x030C0000
  P("frame.is_entry", offsetof(_PyInterpreterFrame, is_entry));
#endif
  P("frame.localsplus", offsetof(_PyInterpreterFrame, localsplus));
#endif
  P("code.name", offsetof(PyCodeObject, co_name));
#if PY_VERSION_HEX >= 0x030B0000
  P("code.qualname", offsetof(PyCodeObject, co_qualname));
  P("code.localsplusnames", offsetof(PyCodeObject, co_localsplusnames));
  P("code.code_adaptive", offsetof(PyCodeObject, co_code_adaptive));
#else
  P("code.varnames", offsetof(PyCodeObject, co_varnames));
#endif
  P("code.filename", offsetof(PyCodeObject, co_filename));
  P("code.firstlineno", offsetof(PyCodeObject, co_firstlineno));
  P("code.nlocals", offsetof(PyCodeObject, co_nlocals));
#if PY_VERSION_HEX >= 0x030A0000
  P("code.linetable", offsetof(PyCodeObject, co_linetable));
#else
  P("code.linetable", offsetof(PyCodeObject, co_lnotab));
#endif
  P("object.type", offsetof(PyObject, ob_type));
  P("type.name", offsetof(PyTypeObject, tp_name));
  P("type.flags", offsetof(PyTypeObject, tp_flags));
  P("varobject.size", offsetof(PyVarObject, ob_size));
  P("bytes.data", offsetof(PyBytesObject, ob_sval));
  P("tuple.items", offsetof(PyTupleObject, ob_item));
  P("unicode.length", offsetof(PyASCIIObject, length));
  P("unicode.state", offsetof(PyASCIIObject, state));
  P("unicode.ascii_data", sizeof(PyASCIIObject));
  P("unicode.compact_data", sizeof(PyCompactUnicodeObject));
  P("unicode.kind_bit", state_bit(set_kind));
  P("unicode.compact_bit", state_bit(set_compact));
  P("unicode.ascii_bit", state_bit(set_ascii));
  P("float.value", offsetof(PyFloatObject, ob_fval));
#if PY_VERSION_HEX >= 0x030C0000
  P("long.size", offsetof(PyLongObject, long_value.lv_tag));
  P("long.digits", offsetof(PyLongObject, long_value.ob_digit));
#else
  P("long.size", offsetof(PyLongObject, ob_base.ob_size));
  P("long.digits", offsetof(PyLongObject, ob_digit));
#endif
  /* Instance attributes and dicts (Python thread names). */
#if PY_VERSION_HEX >= 0x030C0000
  P("interp.modules", offsetof(PyInterpreterState, imports.modules));
#else
  P("interp.modules", offsetof(PyInterpreterState, modules));
#endif
  P("module.dict", sizeof(PyObject)); /* md_dict follows the header (moduleobject.c) */
  P("type.basicsize", offsetof(PyTypeObject, tp_basicsize));
  P("type.dictoffset", offsetof(PyTypeObject, tp_dictoffset));
  P("heaptype.cached_keys", offsetof(PyHeapTypeObject, ht_cached_keys));
  P("dict.keys", offsetof(PyDictObject, ma_keys));
  P("dict.values", offsetof(PyDictObject, ma_values));
#if PY_VERSION_HEX >= 0x030B0000
  /* 3.8-3.10 keep PyDictKeysObject in Objects/dict-common.h, which is not installed. */
  P("dictkeys.log2_size", offsetof(PyDictKeysObject, dk_log2_size));
  P("dictkeys.log2_index_bytes", offsetof(PyDictKeysObject, dk_log2_index_bytes));
  P("dictkeys.kind", offsetof(PyDictKeysObject, dk_kind));
  P("dictkeys.nentries", offsetof(PyDictKeysObject, dk_nentries));
  P("dictkeys.indices", offsetof(PyDictKeysObject, dk_indices));
  P("dictvalues.values", offsetof(PyDictValues, values));
  P("tpflags.managed_dict", Py_TPFLAGS_MANAGED_DICT);
  {
    PyObject *fake[8];
    PyObject *obj = (PyObject *)&fake[4];
#if PY_VERSION_HEX >= 0x030D0000
    P("object.managed_dict", (char *)_PyObject_ManagedDictPointer(obj) - (char *)obj);
    P("tpflags.inline_values", Py_TPFLAGS_INLINE_VALUES);
#elif PY_VERSION_HEX >= 0x030C0000
    P("object.managed_dict", (char *)_PyObject_DictOrValuesPointer(obj) - (char *)obj);
#else
    P("object.managed_dict", (char *)_PyObject_ManagedDictPointer(obj) - (char *)obj);
    P("object.managed_values", (char *)_PyObject_ValuesPointer(obj) - (char *)obj);
#endif
  }
#endif
  return 0;
}
