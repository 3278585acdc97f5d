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

}  // namespace
}  // namespace reportflow::text
