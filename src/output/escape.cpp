// UTF-8 sanitizing and XML escaping for strings that come from the target.
#include "cspy/output/escape.h"

#include <algorithm>
#include <cstdint>

namespace cspy::output {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Decodes one UTF-8 sequence at in[i]; returns its length, or 0 if it is invalid.
std::size_t decode(std::string_view in, std::size_t i, std::uint32_t& cp) {
  auto c = static_cast<unsigned char>(in[i]);
  std::size_t len = 0;
  std::uint32_t min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1Fu, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0Fu, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > in.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(in[i + k]);
    if ((b & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool is_plain(std::string_view in) {
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F) return false;
  }
  return true;
}

}  // namespace

std::string sanitize_utf8(std::string_view in) {
  if (is_plain(in)) return std::string(in);
  std::string out;
  out.reserve(in.size() + 8);
  std::size_t i = 0;
  while (i < in.size()) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      if (c == '\t' || c == '\n' || c == '\r') {
        out += ' ';
      } else if (c < 0x20 || c == 0x7F) {
        out += kReplacement;
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    std::size_t len = decode(in, i, cp);
    if (len == 0) {
      out += kReplacement;  // one U+FFFD per bad byte, then resynchronize
      ++i;
    } else if ((cp >= 0x80 && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF) {
      out += kReplacement;
      i += len;
    } else {
      out.append(in.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string terminal_escape(std::string_view in) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(in.size());
  auto hex = [&out, kHex](unsigned char b) {
    out += "\\x";
    out += kHex[b >> 4u];
    out += kHex[b & 0xFu];
  };
  std::size_t i = 0;
  while (i < in.size()) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      hex(c);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      std::uint32_t cp = 0;
      const std::size_t len = decode(in, i, cp);
      if (len == 0 || (cp >= 0x80 && cp <= 0x9F)) {
        // A bad byte, or the whole of a C1 control (CSI and OSC have one-code-point forms).
        for (std::size_t k = 0; k < std::max<std::size_t>(len, 1); ++k)
          hex(static_cast<unsigned char>(in[i + k]));
        i += std::max<std::size_t>(len, 1);
        continue;
      }
      out.append(in.substr(i, len));
      i += len;
      continue;
    }
    ++i;
  }
  return out;
}

void append_xml_escaped(std::string& out, std::string_view in) {
  std::string clean = sanitize_utf8(in);
  for (char c : clean) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

std::string xml_escape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  append_xml_escaped(out, in);
  return out;
}

std::size_t count_code_points(std::string_view utf8) {
  std::size_t n = 0;
  for (char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0u) != 0x80u) ++n;
  }
  return n;
}

std::string truncate_utf8(std::string_view in, std::size_t max_chars, std::string_view tail) {
  if (count_code_points(in) <= max_chars) return std::string(in);
  std::size_t keep = max_chars > tail.size() ? max_chars - tail.size() : 0;
  std::size_t i = 0, chars = 0;
  while (i < in.size()) {
    if ((static_cast<unsigned char>(in[i]) & 0xC0u) != 0x80u) {
      if (chars == keep) break;
      ++chars;
    }
    ++i;
  }
  return std::string(in.substr(0, i)) + std::string(tail);
}

}  // namespace cspy::output
