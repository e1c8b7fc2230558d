// Reading str and bytes objects from a CPython process.
#include "remote.h"

#include <algorithm>
#include <array>

namespace cspy::python {

namespace {

void append_utf8(std::string& out, std::uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace

std::string read_str(const process::Process& p, const Layout& layout, std::uint64_t object,
                     std::size_t limit) {
  std::array<std::uint8_t, 80> head{};
  if (!read_bytes(p, object, head.data(), head.size())) return {};
  const auto length = field<std::int64_t>(head, layout.unicode_length);
  const auto state = field<std::uint32_t>(head, layout.unicode_state);
  const bool compact = ((state >> layout.unicode_compact_bit) & 1U) != 0;
  const bool ascii = ((state >> layout.unicode_ascii_bit) & 1U) != 0;
  const unsigned kind = (state >> layout.unicode_kind_bit) & 7U;
  if (length < 0 || !compact || (kind != 1 && kind != 2 && kind != 4)) return {};
  const std::size_t n = std::min(static_cast<std::size_t>(length), limit);
  const std::uint64_t data =
      object +
      static_cast<std::uint64_t>(ascii ? layout.unicode_ascii_data : layout.unicode_compact_data);
  std::vector<std::uint8_t> raw(n * kind);
  if (n != 0 && !read_bytes(p, data, raw.data(), raw.size())) return {};
  if (ascii) return std::string(raw.begin(), raw.end());
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t c = 0;
    if (kind == 1) c = raw[i];
    if (kind == 2) c = field<std::uint16_t>(raw, static_cast<int>(i * 2));
    if (kind == 4) c = field<std::uint32_t>(raw, static_cast<int>(i * 4));
    append_utf8(out, c);
  }
  return out;
}

bool read_int(const process::Process& p, const Layout& layout, std::uint64_t object,
              IntValue& out) {
  out = IntValue{};
  std::int64_t size_or_tag = 0;
  if (!read_value(p, object + layout.long_size, size_or_tag)) return false;
  if (layout.version >= 312) {  // lv_tag: digits << 3 | sign (0 positive, 1 zero, 2 negative)
    out.digits = static_cast<std::int64_t>(static_cast<std::uint64_t>(size_or_tag) >> 3);
    out.negative = (size_or_tag & 3) == 2;
  } else {
    out.digits = size_or_tag < 0 ? -size_or_tag : size_or_tag;
    out.negative = size_or_tag < 0;
  }
  if (out.digits == 0 || !out.exact()) return true;
  std::array<std::uint32_t, 2> digits{};
  if (!read_bytes(p, object + layout.long_digits, digits.data(),
                  4 * static_cast<std::size_t>(out.digits))) {
    return false;
  }
  out.magnitude = digits[0] | (static_cast<std::uint64_t>(digits[1]) << 30);
  return true;
}

std::vector<std::uint8_t> read_bytes_object(const process::Process& p, const Layout& layout,
                                            std::uint64_t object, std::size_t limit) {
  std::int64_t size = 0;
  if (!read_value(p, object + layout.varobject_size, size) || size < 0) return {};
  std::vector<std::uint8_t> out(std::min(static_cast<std::size_t>(size), limit));
  if (!out.empty() && !read_bytes(p, object + layout.bytes_data, out.data(), out.size())) return {};
  return out;
}

}  // namespace cspy::python
