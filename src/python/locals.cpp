// Reading a frame's locals and printing short reprs of simple values.
#include "cspy/python/locals.h"

#include <fmt/format.h>

#include <array>

#include "remote.h"

namespace cspy::python {

namespace {

constexpr int kMaxLocals = 256;

// An int of at most two 30-bit digits, exactly; larger ones by their size.
std::string long_repr(const process::Process& p, const Layout& l, std::uint64_t object) {
  IntValue v;
  if (!read_int(p, l, object, v)) return "<int>";
  if (!v.exact()) return fmt::format("<int of {} digits>", v.digits * 9);
  return v.negative ? fmt::format("-{}", v.magnitude) : fmt::format("{}", v.magnitude);
}

std::string quoted(const std::string& text, std::size_t limit) {
  std::string out = "'";
  std::size_t n = 0;
  for (char c : text) {
    if (++n > limit) {
      out += "...";
      break;
    }
    if (c == '\'' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  if (n <= limit) out += "'";
  return out;
}

}  // namespace

std::string short_repr(const process::Process& p, const Runtime& rt, std::uint64_t object,
                       std::size_t limit) {
  const Layout& l = *rt.layout;
  if (object == 0) return "<unset>";
  if (object == rt.none.value()) return "None";
  if (object == rt.true_.value()) return "True";
  if (object == rt.false_.value()) return "False";
  std::uint64_t type = 0;
  if (!read_value(p, object + l.object_type, type)) return "<unreadable>";
  if (type == rt.long_type.value()) return long_repr(p, l, object);
  if (type == rt.float_type.value()) {
    double value = 0;
    return read_value(p, object + l.float_value, value) ? fmt::format("{}", value) : "<float>";
  }
  if (type == rt.unicode_type.value()) {
    return quoted(read_str(p, l, object, limit * 4), limit);
  }
  std::uint64_t name_ptr = 0;
  std::array<char, 64> name{};
  if (read_value(p, type + l.type_name, name_ptr) &&
      read_bytes(p, name_ptr, name.data(), name.size() - 1)) {
    name.back() = '\0';
    return fmt::format("<{} object>", name.data());
  }
  return "<object>";
}

std::vector<Local> read_locals(const process::Process& p, const Runtime& rt,
                               const CapturedFrame& frame) {
  const Layout& l = *rt.layout;
  std::int32_t nlocals = 0;
  std::uint64_t names = 0;
  const int names_at = l.code_localsplusnames != kNone ? l.code_localsplusnames : l.code_varnames;
  if (!read_value(p, frame.code + l.code_nlocals, nlocals) ||
      !read_value(p, frame.code + names_at, names) || nlocals <= 0) {
    return {};
  }
  nlocals = std::min(nlocals, kMaxLocals);
  std::vector<std::uint64_t> name_ptrs(static_cast<std::size_t>(nlocals));
  std::vector<std::uint64_t> values(static_cast<std::size_t>(nlocals));
  if (!read_bytes(p, names + l.tuple_items, name_ptrs.data(), name_ptrs.size() * 8) ||
      !read_bytes(p, frame.frame + l.frame_localsplus, values.data(), values.size() * 8)) {
    return {};
  }
  std::vector<Local> out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    out.push_back(
        Local{.name = read_str(p, l, name_ptrs[i], 100), .value = short_repr(p, rt, values[i])});
  }
  return out;
}

}  // namespace cspy::python
