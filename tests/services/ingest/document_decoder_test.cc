#include "services/ingest/document_decoder.h"

#include "common/text/encoding.h"
#include "tests/testing/test_util.h"

namespace reportflow::ingest {
namespace {

const std::string kText = "东关镇2023年法治政府建设工作报告\r\n一、总体情况\r\n开展普法活动12场次。\r\n";

TEST(DocumentDecoderTest, SameReportInAnyEncodingHasOneId) {
  DecodeOutcome utf8 = DecodeDocument("a.txt", kText);
  ASSERT_TRUE(utf8.ok) << utf8.rejection.reason();
  EXPECT_EQ(utf8.document.text().find('\r'), std::string::npos);
  auto gb = text::ConvertFromUtf8(kText, "GB18030");
  ASSERT_TRUE(gb.ok());
  DecodeOutcome from_gb = DecodeDocument("b.txt", *gb);
  ASSERT_TRUE(from_gb.ok);
  EXPECT_EQ(from_gb.document.source_encoding(), "GB18030");
  auto le = text::ConvertFromUtf8(kText, "UTF-16LE");
  DecodeOutcome from_utf16 = DecodeDocument("c.txt", "\xFF\xFE" + *le);
  ASSERT_TRUE(from_utf16.ok);
  EXPECT_EQ(utf8.doc_id, from_gb.doc_id);
  EXPECT_EQ(utf8.doc_id, from_utf16.doc_id);
  EXPECT_EQ(utf8.doc_id.size(), 32u);
}

TEST(DocumentDecoderTest, RejectsWithReasons) {
  auto empty = DecodeDocument("e.txt", "");
  EXPECT_FALSE(empty.ok);
  EXPECT_EQ(empty.rejection.code(), v1::REJECTION_CODE_EMPTY);
  auto blank = DecodeDocument("b.txt", "  \n\t\n");
  EXPECT_EQ(blank.rejection.code(), v1::REJECTION_CODE_EMPTY);
  // A PDF named .txt is read as a PDF; this one is corrupt.
  auto pdf = DecodeDocument("r.txt", "%PDF-1.7\n...");
  EXPECT_EQ(pdf.rejection.code(), v1::REJECTION_CODE_UNDECODABLE);
  EXPECT_NE(pdf.rejection.reason().find("PDF"), std::string::npos);
  auto png = DecodeDocument("p.txt", std::string("\x89PNG\r\n\x1a\n\0\0", 10));
  EXPECT_EQ(png.rejection.code(), v1::REJECTION_CODE_BINARY);
  auto invalid = DecodeDocument("i.txt", "\xC3\x28\xA0\xA1\xFF\xFE\xFD");
  EXPECT_FALSE(invalid.ok);
  EXPECT_EQ(invalid.rejection.source(), "i.txt");
}

TEST(DocumentDecoderTest, DetectsFormatsFromContent) {
  EXPECT_EQ(DetectFormat("<!DOCTYPE html><html>"), "html");
  EXPECT_EQ(DetectFormat("  <html lang=zh>"), "html");
  EXPECT_EQ(DetectFormat("%PDF-1.4"), "pdf");
  EXPECT_EQ(DetectFormat("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), "ole2");  // no stream names to tell more
  EXPECT_EQ(DetectFormat("纯文本"), "txt");
}

}  // namespace
}  // namespace reportflow::ingest
