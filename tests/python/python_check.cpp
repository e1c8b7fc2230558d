// python_check: the test side of the python component's version knowledge.
//   python_check layout 3.11   prints cspy's layout table for 3.11 as layout_probe.c does
//   python_check lines         reads line-table cases (line_cases.py) from stdin and
//                              prints every instruction whose decoded line differs
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cspy/python/layout.h"
#include "cspy/python/line_table.h"

namespace {

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Each line: "version name firstlineno hex offset:line ..." (line 0: none).
int check_lines() {
  int cases = 0;
  int wrong = 0;
  for (std::string text; std::getline(std::cin, text);) {
    std::istringstream in(text);
    int version = 0;
    int first = 0;
    std::string name;
    std::string hex;
    if (!(in >> version >> name >> first >> hex)) continue;
    if (hex == "-") hex.clear();
    const auto table = from_hex(hex);
    for (std::string pair; in >> pair;) {
      const auto colon = pair.find(':');
      const std::uint64_t offset = std::stoull(pair.substr(0, colon));
      const int want = std::stoi(pair.substr(colon + 1));
      const int got = cspy::python::line_at(version, first, table, offset);
      ++cases;
      if (got != want) {
        ++wrong;
        std::printf("%s offset %llu: line %d, want %d\n", name.c_str(),
                    static_cast<unsigned long long>(offset), got, want);
      }
    }
  }
  std::printf("%d instructions, %d wrong\n", cases, wrong);
  return wrong == 0 && cases > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  if (what == "lines") return check_lines();
  int major = 0;
  int minor = 0;
  if (what == "layout" && argc == 3 && std::sscanf(argv[2], "%d.%d", &major, &minor) == 2) {
    const cspy::python::Layout* layout = cspy::python::find_layout(major, minor);
    if (layout == nullptr) {
      std::fprintf(stderr, "python_check: no layout for %s\n", argv[2]);
      return 1;
    }
    cspy::python::print_layout(*layout, stdout);
    return 0;
  }
  std::fprintf(stderr, "usage: python_check layout X.Y | python_check lines < cases\n");
  return 2;
}
