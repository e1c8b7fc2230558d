// C++ and Rust demangling, and shortening a demangled C++ name to drop its parameter list
// and a function template's return type.
// Rust (legacy `_ZN...17h<hash>E` and v0 `_R...`) goes through libiberty, binutils'
// demangler, without its verbose details (the hash, crate disambiguators): `c++filt -i`.
// Go's names lose the symbol table's `.abi0`, as Go's tools print them.
#include <cxxabi.h>
#include <libiberty/demangle.h>

#include <cstdlib>
#include <memory>
#include <string_view>

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

// "void std::sort<int*>" -> "std::sort<int*>": a function template's demangled name starts
// with its return type, which ends at the last space outside brackets before the name (an
// operator's name may hold spaces and brackets of its own: "bool operator< <int>").
std::string drop_return_type(const std::string& name) {
  if (name.empty() || name.back() != '>') return name;  // only templates carry one
  int depth = 0;
  std::size_t last_space = std::string::npos;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (depth == 0 && name.compare(i, 8, "operator") == 0 &&
        (i == 0 || name[i - 1] == ':' || name[i - 1] == ' ')) {
      break;
    }
    if (c == '<' || c == '(' || c == '[' || c == '{') ++depth;
    if ((c == '>' || c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    if (c == ' ' && depth == 0) last_space = i;
  }
  return last_space == std::string::npos ? name : name.substr(last_space + 1);
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
  // Go's linker names an assembly function (ABI0) in the symbol table with its ABI:
  // `runtime.goexit.abi0`, which Go's tools (pprof, addr2line, tracebacks) print without.
  constexpr std::string_view kGoAbi0 = ".abi0";
  if (name.size() > kGoAbi0.size() && name.ends_with(kGoAbi0)) {
    return name.substr(0, name.size() - kGoAbi0.size());
  }
  if (name.size() < 2 || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R')) return name;
  // Rust names carry no parameter list: nothing to drop.
  if (std::string rust = demangle_rust(name); !rust.empty()) return rust;
  if (name[1] != 'Z') return name;
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
  if (status != 0 || !out) return name;
  std::string s(out.get());
  return full_signature ? s : drop_return_type(drop_parameters(s));
}

}  // namespace cspy::symbolize
