// demangle(): C++ names as before, Rust legacy and v0 names as binutils 2.40's
// `c++filt -i` (no verbose details: no hash, no crate disambiguator) prints them.
#include <gtest/gtest.h>

#include <string>

#include "cspy/symbolize/symbolizer.h"

namespace cspy::symbolize {
namespace {

struct Pair {
  const char* mangled;
  const char* expected;  // `echo <mangled> | c++filt -i` on Debian 12
};

TEST(Demangle, RustLegacyNamesLoseTheirHashAndDecodeEscapes) {
  const Pair pairs[] = {
      {"_ZN4core3ptr13drop_in_place17h0123456789abcdefE", "core::ptr::drop_in_place"},
      {"_ZN70_$LT$alloc..vec..Vec$LT$T$C$A$GT$$u20$as$u20$core..ops..drop..Drop$GT$"
       "4drop17h0123456789abcdefE",
       "<alloc::vec::Vec<T,A> as core::ops::drop::Drop>::drop"},
      {"_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h9a4f4b2c3d5e6f70E",
       "std::rt::lang_start::{{closure}}"},
      {"_ZN5hello4main17h0123456789abcdefE", "hello::main"},
  };
  for (const Pair& p : pairs) {
    EXPECT_EQ(demangle(p.mangled, false), p.expected) << p.mangled;
    EXPECT_EQ(demangle(p.mangled, true), p.expected) << p.mangled;
  }
}

TEST(Demangle, RustV0Names) {
  const Pair pairs[] = {
      {"_RNvNtCs1234_7mycrate3foo3bar", "mycrate::foo::bar"},
      {"_RINvNtC3std3mem8align_ofdE", "std::mem::align_of::<f64>"},
      {"_RNvMNtCs4fqI2P2rA04_4core3ptrINtB2_7NonNullpE3newB4_", "<core::ptr::NonNull<_>>::new"},
  };
  for (const Pair& p : pairs) EXPECT_EQ(demangle(p.mangled, false), p.expected) << p.mangled;
}

TEST(Demangle, CxxNamesAsBefore) {
  EXPECT_EQ(demangle("_ZN2ns1fEi", false), "ns::f");
  EXPECT_EQ(demangle("_ZN2ns1fEi", true), "ns::f(int)");
  // A `_ZN` name without the 17h<hash>E suffix is C++, not legacy Rust.
  EXPECT_EQ(demangle("_ZN4core3fmt9Formatter3padE", false), "core::fmt::Formatter::pad");
}

// Function templates' names start with their return type: dropped with the parameters,
// as DWARF's DW_AT_name and perf print them (`c++filt` keeps both).
TEST(Demangle, CxxTemplatesLoseTheirReturnType) {
  const Pair pairs[] = {
      {"_ZSt16__introsort_loopIN9__gnu_cxx17__normal_iteratorIPiSt6vectorIiSaIiEEEElNS0_5__"
       "ops15_Iter_less_iterEEvT_S9_T0_T1_",
       "std::__introsort_loop<__gnu_cxx::__normal_iterator<int*, std::vector<int, "
       "std::allocator<int> > >, long, __gnu_cxx::__ops::_Iter_less_iter>"},
      {"_ZStltIcSt11char_traitsIcESaIcEEbRKNSt7__cxx1112basic_stringIT_T0_T1_EESA_",
       "std::operator< <char, std::char_traits<char>, std::allocator<char> >"},
      {"_ZNSt6vectorIiSaIiEE17_M_realloc_insertIJRKiEEEvN9__gnu_cxx17__normal_iteratorIPiS1_"
       "EEDpOT_",
       "std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>"},
      {"_Z3maxIiET_S0_S0_", "max<int>"},
      {"_ZN12_GLOBAL__N_13fooIiEEvv", "(anonymous namespace)::foo<int>"},
  };
  for (const Pair& p : pairs) EXPECT_EQ(demangle(p.mangled, false), p.expected) << p.mangled;
  // The full signature keeps it.
  EXPECT_EQ(demangle("_Z3maxIiET_S0_S0_", true), "int max<int>(int, int)");
}

TEST(Demangle, OtherNamesUnchanged) {
  for (const char* name : {"main", "_start", "_R", "_RNotAName", "_Z", "main.leaf", ".abi0"}) {
    EXPECT_EQ(demangle(name, false), name);
  }
}

// As Go's tools print them (go tool addr2line, pprof): without the symbol table's ABI.
TEST(Demangle, GoAssemblyFunctionsLoseTheirAbi) {
  EXPECT_EQ(demangle("runtime.goexit.abi0", false), "runtime.goexit");
  EXPECT_EQ(demangle("runtime.mstart.abi0", true), "runtime.mstart");
  EXPECT_EQ(demangle("runtime.(*mheap).alloc.func1", false), "runtime.(*mheap).alloc.func1");
}

}  // namespace
}  // namespace cspy::symbolize
