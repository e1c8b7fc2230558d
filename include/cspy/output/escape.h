// Text sanitizing for the writers: every string that comes from the target (function,
// file, module and thread names, the command line, a user's title) passes through here
// before it is written. sanitize_utf8 yields valid UTF-8 that XML 1.0 and JSON accept;
// xml_escape also escapes markup, so its result is safe in element text and attributes;
// terminal_escape keeps what it cannot print visible, for text written to a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cspy::output {

// Replaces invalid UTF-8 (bad or truncated sequences, overlong forms, surrogates, code
// points above U+10FFFF), control characters (C0, DEL, C1) and the noncharacters
// U+FFFE/U+FFFF with U+FFFD; tab, newline and carriage return become a space.
std::string sanitize_utf8(std::string_view in);

// sanitize_utf8, then escapes & < > " ' as entities.
std::string xml_escape(std::string_view in);
void append_xml_escaped(std::string& out, std::string_view in);

// For a terminal (`cspy dump`'s text): valid printable UTF-8 is kept, and everything a
// terminal would act on is written visibly instead, so that no name can move the cursor,
// clear the screen, set the window title or split a line: \n \r \t, other C0 controls,
// DEL and C1 controls as \xNN (\x1b for ESC), each byte of invalid UTF-8 as \xNN, and a
// backslash as \\ so that the escapes stay unambiguous.
std::string terminal_escape(std::string_view in);

// The first `max_chars` code points of valid UTF-8 `in`; when it is longer, the first
// max_chars - tail.size() code points followed by `tail` (e.g. "..").
std::string truncate_utf8(std::string_view in, std::size_t max_chars, std::string_view tail);
std::size_t count_code_points(std::string_view utf8);

}  // namespace cspy::output
