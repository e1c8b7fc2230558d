// The words a captured Python stack travels in (with each frame's code id), the code
// records a recording keeps (with their ids), and naming a frame from them: by id, and by
// address for recordings made before code ids.
#include <gtest/gtest.h>

#include "cspy/python/capture.h"
#include "cspy/python/code_reader.h"

namespace cspy::python {
namespace {

CapturedStack two_frames() {
  CapturedStack s{.status = CaptureStatus::kOk, .holds_gil = true};
  s.frames.push_back(
      CapturedFrame{.code = 0x1000, .instr = 6, .entry = false, .frame = 0x7f00, .code_id = 7});
  s.frames.push_back(
      CapturedFrame{.code = 0x1000, .instr = 2, .entry = true, .frame = 0x7e00, .code_id = 9});
  return s;
}

TEST(CaptureWords, RoundTripKeepsCodeIds) {
  std::vector<std::uint64_t> words;
  encode(two_frames(), words);
  CapturedStack back;
  ASSERT_TRUE(decode(words, back));
  ASSERT_EQ(back.frames.size(), 2u);
  EXPECT_TRUE(back.holds_gil);
  EXPECT_EQ(back.frames[0].code_id, 7u);
  EXPECT_EQ(back.frames[1].code_id, 9u);
  EXPECT_EQ(back.frames[1].frame, 0x7e00u);
  EXPECT_TRUE(back.frames[1].entry);
  words.pop_back();  // a frame cut short
  EXPECT_FALSE(decode(words, back));
}

TEST(CaptureWords, WordsFromBeforeCodeIdsStillDecode) {
  // Three words a frame, no id flag: what earlier recordings hold.
  const std::vector<std::uint64_t> words = {0x7079000000000001ULL, 1, 0x1000, 6, 0x7f00 | 1};
  CapturedStack back;
  ASSERT_TRUE(decode(words, back));
  ASSERT_EQ(back.frames.size(), 1u);
  EXPECT_EQ(back.frames[0].code, 0x1000u);
  EXPECT_EQ(back.frames[0].code_id, 0u);
  EXPECT_TRUE(back.frames[0].entry);
}

// Two code objects that lived at the same address one after the other (a module's code,
// freed after the import, and a function created later): each frame is named by the one
// it ran, through its id.
TEST(RecordedCodes, SameAddressTwoObjectsNamedByTheirIds) {
  const std::vector<CodeRecord> codes = {
      CodeRecord{.id = 7, .addr = 0x1000, .version = 310, .function = "<module>", .file = "a.py"},
      CodeRecord{.id = 9, .addr = 0x1000, .version = 310, .function = "work", .file = "b.py"}};
  std::vector<CodeRecord> decoded;
  ASSERT_TRUE(decode_codes(encode_codes(codes), decoded));
  ASSERT_EQ(decoded.size(), 2u);
  RecordedCodes names;
  for (auto& c : decoded) names.add(c);
  const CapturedStack s = two_frames();
  PyFrameName name;
  ASSERT_TRUE(names.name(s.frames[0], name));
  EXPECT_EQ(name.function, "<module>");
  ASSERT_TRUE(names.name(s.frames[1], name));
  EXPECT_EQ(name.function, "work");
  EXPECT_EQ(name.file, "b.py");
  // An id no record has is not named from another object at the same address.
  CapturedFrame unknown = s.frames[0];
  unknown.code_id = 8;
  EXPECT_FALSE(names.name(unknown, name));
}

}  // namespace
}  // namespace cspy::python
