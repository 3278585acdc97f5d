#include "common/text/doc_id.h"
#include "common/text/encoding.h"
#include "common/text/utf8.h"
#include "tests/testing/test_util.h"

namespace reportflow::text {
namespace {

const std::string kReport = "花台乡2023年法治政府建设工作报告\n全年调解矛盾纠纷90余件，调解成功率达100%。\n";

TEST(EncodingTest, DetectsUtf8WithAndWithoutBom) {
  ASSERT_OK_AND_ASSIGN(auto plain, DecodeToUtf8(kReport));
  EXPECT_EQ(plain.encoding, "UTF-8");
  EXPECT_EQ(plain.utf8, kReport);
  ASSERT_OK_AND_ASSIGN(auto bom, DecodeToUtf8("\xEF\xBB\xBF" + kReport));
  EXPECT_EQ(bom.utf8, kReport);
}

TEST(EncodingTest, DecodesGb18030) {
  ASSERT_OK_AND_ASSIGN(std::string gb, ConvertFromUtf8(kReport, "GB18030"));
  EXPECT_NE(gb, kReport);
  ASSERT_OK_AND_ASSIGN(auto decoded, DecodeToUtf8(gb));
  EXPECT_EQ(decoded.encoding, "GB18030");
  EXPECT_EQ(decoded.utf8, kReport);
  EXPECT_EQ(DocIdForText(decoded.utf8), DocIdForText(kReport));
}

TEST(EncodingTest, DecodesUtf16WithAndWithoutBom) {
  ASSERT_OK_AND_ASSIGN(std::string le, ConvertFromUtf8(kReport, "UTF-16LE"));
  ASSERT_OK_AND_ASSIGN(auto no_bom, DecodeToUtf8(le));
  EXPECT_EQ(no_bom.encoding, "UTF-16LE");
  EXPECT_EQ(no_bom.utf8, kReport);
  ASSERT_OK_AND_ASSIGN(std::string be, ConvertFromUtf8(kReport, "UTF-16BE"));
  ASSERT_OK_AND_ASSIGN(auto with_bom, DecodeToUtf8("\xFE\xFF" + be));
  EXPECT_EQ(with_bom.encoding, "UTF-16BE");
  EXPECT_EQ(with_bom.utf8, kReport);
}

TEST(EncodingTest, RejectsBinaryAndTruncatedInput) {
  EXPECT_FALSE(DecodeToUtf8("").ok());
  std::string binary("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10", 20);
  auto r = DecodeToUtf8(binary);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("binary"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(std::string gb, ConvertFromUtf8("调解矛盾纠纷", "GB18030"));
  gb.pop_back();  // cut the last double-byte character in half
  auto truncated = DecodeToUtf8(gb);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("GB18030"), std::string::npos);
}

TEST(Utf8Test, ValidatesAndNormalizesNewlines) {
  EXPECT_TRUE(IsValidUtf8(kReport));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_EQ(NormalizeNewlines("\xEF\xBB\xBF" "a\r\nb\rc\n"), "a\nb\nc\n");
}

// The inline decoder's fast paths (ASCII, three-byte sequences) decode
// exactly as the general one: every lead byte with continuation bytes of
// every class, cut short at every length.
TEST(Utf8Test, InlineDecodingAgreesWithTheGeneralDecoder) {
  const unsigned char tails[] = {0x80, 0x8F, 0x9F, 0xA0, 0xBF, 0xC0, 0x41, 0x00};
  size_t checked = 0;
  for (int lead = 0; lead < 256; ++lead) {
    for (unsigned char t1 : tails) {
      for (unsigned char t2 : tails) {
        const std::string full{static_cast<char>(lead), static_cast<char>(t1), static_cast<char>(t2), '\x80'};
        for (size_t len = 1; len <= full.size(); ++len) {
          const std::string_view s(full.data(), len);
          size_t fast = 0, slow = 0;
          ASSERT_EQ(DecodeUtf8(s, &fast), DecodeUtf8Slow(s, &slow)) << lead << " " << int{t1} << " " << int{t2} << " " << len;
          ASSERT_EQ(fast, slow);
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 256u * 8 * 8 * 4);
  size_t pos = 0;
  EXPECT_EQ(DecodeUtf8("巫", &pos), U'巫');
  EXPECT_EQ(pos, 3u);
}

}  // namespace
}  // namespace reportflow::text
