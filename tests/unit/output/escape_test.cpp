// Tests for UTF-8 sanitizing, XML escaping and UTF-8-aware truncation.
#include <gtest/gtest.h>

#include "cspy/output/escape.h"

namespace cspy::output {
namespace {

const std::string kFffd = "\xef\xbf\xbd";

TEST(OutputEscape, SanitizeUtf8) {
  EXPECT_EQ(sanitize_utf8("plain ascii"), "plain ascii");
  EXPECT_EQ(sanitize_utf8("na\xc3\xafve \xe2\x9c\x93 \xf0\x9f\x94\xa5"),
            "na\xc3\xafve \xe2\x9c\x93 \xf0\x9f\x94\xa5");
  EXPECT_EQ(sanitize_utf8("a\tb\nc\rd"), "a b c d");
  EXPECT_EQ(sanitize_utf8(std::string("x\0y", 3)), "x" + kFffd + "y");
  EXPECT_EQ(sanitize_utf8("\x1b[1m\x7f"), kFffd + "[1m" + kFffd);
  EXPECT_EQ(sanitize_utf8("\xc2\x85"), kFffd);                                  // C1 control (NEL)
  EXPECT_EQ(sanitize_utf8("\xff"), kFffd);                                      // never valid
  EXPECT_EQ(sanitize_utf8("\xc0\xaf"), kFffd + kFffd);                          // overlong '/'
  EXPECT_EQ(sanitize_utf8("\xe0\x80\xaf"), kFffd + kFffd + kFffd);              // overlong, 3 bytes
  EXPECT_EQ(sanitize_utf8("\xed\xa0\x80"), kFffd + kFffd + kFffd);              // surrogate D800
  EXPECT_EQ(sanitize_utf8("\xf4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
  EXPECT_EQ(sanitize_utf8("ab\xe2\x82"), "ab" + kFffd + kFffd);                 // cut at the end
  EXPECT_EQ(sanitize_utf8("\xef\xbf\xbe"), kFffd);   // U+FFFE not allowed in XML
  EXPECT_EQ(sanitize_utf8("\xc3(x"), kFffd + "(x");  // resynchronizes
}

TEST(OutputEscape, XmlEscape) {
  EXPECT_EQ(xml_escape("a<b>&c\"d'e"), "a&lt;b&gt;&amp;c&quot;d&#39;e");
  EXPECT_EQ(xml_escape("]]>"), "]]&gt;");
  EXPECT_EQ(xml_escape("</script>"), "&lt;/script&gt;");
  EXPECT_EQ(xml_escape("&amp;"), "&amp;amp;");
  EXPECT_EQ(xml_escape("x\x01\xff"), "x" + kFffd + kFffd);
}

TEST(OutputEscape, TerminalEscape) {
  EXPECT_EQ(terminal_escape("plain ascii: a;b"), "plain ascii: a;b");
  EXPECT_EQ(terminal_escape("na\xc3\xafve \xe2\x9c\x93"), "na\xc3\xafve \xe2\x9c\x93");
  EXPECT_EQ(terminal_escape("\x1b[2J"), "\\x1b[2J");                     // clear screen
  EXPECT_EQ(terminal_escape("\x1b]0;title\x07"), "\\x1b]0;title\\x07");  // OSC window title
  EXPECT_EQ(terminal_escape("a\rb\nc\td"), "a\\rb\\nc\\td");
  EXPECT_EQ(terminal_escape("back\\slash"), "back\\\\slash");
  EXPECT_EQ(terminal_escape(std::string("x\0y\x7f", 4)), "x\\x00y\\x7f");
  EXPECT_EQ(terminal_escape("\xc2\x9b"
                            "2J"),
            "\\xc2\\x9b"
            "2J");                                           // C1 CSI
  EXPECT_EQ(terminal_escape("\xff\xc3("), "\\xff\\xc3(");    // invalid UTF-8
  EXPECT_EQ(terminal_escape("ab\xe2\x82"), "ab\\xe2\\x82");  // cut at the end
}

TEST(OutputEscape, TruncateByCodePoints) {
  EXPECT_EQ(truncate_utf8("abcdef", 6, ".."), "abcdef");
  EXPECT_EQ(truncate_utf8("abcdefg", 6, ".."), "abcd..");
  EXPECT_EQ(truncate_utf8("\xc3\xaf\xc3\xaf\xc3\xaf\xc3\xaf", 3, ".."), "\xc3\xaf..");
  EXPECT_EQ(count_code_points("na\xc3\xafve"), 5u);
}

}  // namespace
}  // namespace cspy::output
