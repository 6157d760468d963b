#include "agent/core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace magent::core {
namespace {

TEST(Utf8, AcceptsAsciiAndMultibyteText) {
  EXPECT_FALSE(find_invalid_utf8(""));
  EXPECT_FALSE(find_invalid_utf8("plain ascii\n"));
  EXPECT_FALSE(find_invalid_utf8("telefono \xC3\xB1 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(find_invalid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
}

TEST(Utf8, ReportsOffsetAndLineOfFirstBadByte) {
  const std::optional<Utf8Problem> problem = find_invalid_utf8("ok\nstill ok\nbad \xFF here\n\xFE");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->offset, 16u);
  EXPECT_EQ(problem->line, 3);
}

TEST(Utf8, RejectsLatin1Byte) {
  const auto problem = find_invalid_utf8("caf\xE9");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->offset, 3u);
}

TEST(Utf8, RejectsOverlongSurrogateAndOutOfRangeForms) {
  EXPECT_TRUE(find_invalid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_TRUE(find_invalid_utf8("\xE0\x80\xAF"));      // overlong 3-byte
  EXPECT_TRUE(find_invalid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate D800
  EXPECT_TRUE(find_invalid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_TRUE(find_invalid_utf8("\xF8\x88\x80\x80\x80"));
}

TEST(Utf8, RejectsTruncatedSequenceAtEnd) {
  const auto problem = find_invalid_utf8("abc\xE2\x82");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->offset, 3u);
}

TEST(Utf8, RejectsStrayContinuationByte) {
  const auto problem = find_invalid_utf8("a\x80");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->offset, 1u);
}

TEST(Utf8, StripsLeadingBomOnly) {
  EXPECT_EQ(strip_utf8_bom("\xEF\xBB\xBF-- revision: a"), "-- revision: a");
  EXPECT_EQ(strip_utf8_bom("x\xEF\xBB\xBF"), "x\xEF\xBB\xBF");
  EXPECT_EQ(strip_utf8_bom("\xEF\xBB"), "\xEF\xBB");
}

TEST(Utf8, CheckedTextNamesFileLineAndByte) {
  Result<std::string_view> bad = checked_utf8_text("m.sql", "-- a\n-- b \xE9t\xE9\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::parse);
  EXPECT_EQ(bad.error().message, "m.sql:2: file is not valid UTF-8 (byte 0xe9 at offset 10)");
  Result<std::string_view> good = checked_utf8_text("m.sql", "\xEF\xBB\xBFSELECT 1");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, "SELECT 1");
}

TEST(EscapeControlCharacters, ShowsControlBytesAsHexAndKeepsTheRest) {
  EXPECT_EQ(escape_control_characters(std::string("a\nb\r\x7f\0z \xc3\xa9", 10)),
            "a\\x0ab\\x0d\\x7f\\x00z \xc3\xa9");
  EXPECT_EQ(escape_control_characters("plain"), "plain");
}

}  // namespace
}  // namespace magent::core
