// C++ and Rust demangling, and shortening a demangled C++ name to drop its parameter list.
// Rust (legacy `_ZN...17h<hash>E` and v0 `_R...`) goes through libiberty, binutils'
// demangler, without its verbose details (the hash, crate disambiguators): `c++filt -i`.
#include <cxxabi.h>
#include <libiberty/demangle.h>

#include <cstdlib>
#include <memory>

#include "cspy/symbolize/symbolizer.h"

namespace cspy::symbolize {

namespace {

// "ns::f<int>(int, char) const" -> "ns::f<int>"; names without a list are unchanged.
std::string drop_parameters(const std::string& name) {
  // Walk back from the end over trailing qualifiers to the ')' closing the parameter list.
  std::size_t end = name.size();
  std::size_t close = name.rfind(')');
  if (close == std::string::npos) return name;
  // Anything after ')' must be qualifiers such as " const", " &", " &&", " volatile".
  for (std::size_t i = close + 1; i < end; ++i) {
    char c = name[i];
    if (!(c == ' ' || c == '&' || (c >= 'a' && c <= 'z'))) return name;
  }
  int depth = 0;
  for (std::size_t i = close + 1; i-- > 0;) {
    if (name[i] == ')') ++depth;
    if (name[i] == '(' && --depth == 0) {
      if (i == 0) return name;
      return name.substr(0, i);
    }
  }
  return name;
}

// The Rust name's demangled form, "" when `name` is not a Rust symbol (libiberty checks a
// `_ZN` name for the legacy hash suffix, so C++ names fall through).
std::string demangle_rust(const std::string& name) {
  std::unique_ptr<char, void (*)(void*)> out(rust_demangle(name.c_str(), DMGL_PARAMS | DMGL_ANSI),
                                             std::free);
  return out ? std::string(out.get()) : std::string();
}

}  // namespace

std::string demangle(const std::string& name, bool full_signature) {
  if (name.size() < 2 || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R')) return name;
  // Rust names carry no parameter list: nothing to drop.
  if (std::string rust = demangle_rust(name); !rust.empty()) return rust;
  if (name[1] != 'Z') return name;
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
  if (status != 0 || !out) return name;
  std::string s(out.get());
  return full_signature ? s : drop_parameters(s);
}

}  // namespace cspy::symbolize
