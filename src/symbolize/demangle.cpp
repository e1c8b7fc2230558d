// C++ demangling, and shortening a demangled name to drop its parameter list.
#include <cxxabi.h>

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

}  // namespace

std::string demangle(const std::string& name, bool full_signature) {
  if (name.size() < 2 || name[0] != '_' || name[1] != 'Z') return name;
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
  if (status != 0 || !out) return name;
  std::string s(out.get());
  return full_signature ? s : drop_parameters(s);
}

}  // namespace cspy::symbolize
