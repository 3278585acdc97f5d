#include "common/audit/fingerprint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "common/audit/audit_options.h"
#include "common/audit/duplicate_index.h"
#include "common/audit/near_duplicate.h"
#include "tests/testing/test_util.h"

namespace reportflow::audit {
namespace {

// A report of `paragraphs` distinct sentences about `unit`, with numbers from `base`.
std::string Report(const std::string& unit, int base, int paragraphs, int topic = 0, int stride = 5) {
  static const char* kClauses[] = {"组织开展法治宣传活动", "发放宣传资料", "受教育群众", "调解矛盾纠纷",
                                   "审查合同", "聘请法律顾问", "开展执法检查", "办理复议案件",
                                   "接待来访群众", "举办培训班", "排查安全隐患", "整改到位"};
  std::string text = unit + "2023年法治政府建设工作报告\n";
  for (int p = 0; p < paragraphs; ++p) {
    text += "第" + std::to_string(p + topic) + "项工作中，";
    for (int c = 0; c < 4; ++c) {
      text += std::string(kClauses[(p * stride + c * 7 + topic) % 12]) + std::to_string(base + p * 3 + c) + "次";
      text += c == 3 ? "。" : "，";
    }
    text += "\n";
  }
  return text;
}

TEST(FingerprintTest, ClausesCarryByteSpansOfTheText) {
  const std::string text = "一是调解纠纷90件，成功率98%。二是开展培训3次";
  const auto fp = ComputeFingerprint(text, {});
  ASSERT_EQ(fp.masked_size(), 3);
  EXPECT_EQ(text.substr(fp.clause_start(0), fp.clause_end(0) - fp.clause_start(0)), "一是调解纠纷90件");
  EXPECT_EQ(text.substr(fp.clause_start(2), fp.clause_end(2) - fp.clause_start(2)), "二是开展培训3次");
  EXPECT_EQ(fp.minhash_size(), kMinHashes);
  EXPECT_EQ(fp.version(), kFingerprintVersion);
}

TEST(FingerprintTest, LineEndsDoNotCutClauses) {
  // A heading on its own line, the same text on one line, and wrapped mid-clause.
  const auto a = ComputeFingerprint("二、存在的主要问题\n一是宣传不够，二是力量薄弱。", {});
  const auto b = ComputeFingerprint("二、存在的主要问题一是宣传不够，二是力量薄弱。", {});
  const auto c = ComputeFingerprint("二、存在的主要问题一是宣\n传不够，二是力量薄弱。", {});
  ASSERT_EQ(a.masked_size(), 3);
  for (const auto* other : {&b, &c}) {
    ASSERT_EQ(other->masked_size(), 3);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(a.masked(i), other->masked(i)) << i;
  }
}

TEST(FingerprintTest, NumbersNamesScriptAndPunctuationAreMaskedOrFolded) {
  const auto a = ComputeFingerprint("花台乡调解纠纷90件，成功率98.5%。", {"花台乡"});
  // Another unit and other numbers, ASCII punctuation, full-width digits, traditional characters.
  const auto b = ComputeFingerprint("東關鎮調解糾紛１２０件, 成功率97.2%.", {"东关镇"});
  ASSERT_EQ(a.masked_size(), 2);
  ASSERT_EQ(b.masked_size(), 2);
  EXPECT_EQ(a.masked(0), b.masked(0));
  EXPECT_EQ(a.masked(1), b.masked(1));
  EXPECT_NE(a.numbered(0), b.numbered(0));  // the numbers differ
  // Same numbers, other names: the numbered hash is equal too (names are masked in both).
  const auto c = ComputeFingerprint("东关镇调解纠纷90件，成功率98.5%。", {"东关镇"});
  EXPECT_EQ(a.numbered(0), c.numbered(0));
}

TEST(FingerprintTest, NamesToMaskAddsShortForms) {
  common::v1::DocumentMetadata m;
  m.set_township("花台乡");
  m.set_county("巫溪县");
  m.mutable_place()->set_county_written("巫溪縣");
  const auto names = NamesToMask(m);
  for (const char* want : {"花台乡", "花台", "巫溪县", "巫溪", "巫溪縣"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

TEST(NearDuplicateTest, ACopyWithOtherNamesAndNumbersIsSimilarWithSharedPassages) {
  const std::string source = Report("花台乡", 10, 12);
  std::string copy = Report("东关镇", 40, 12);
  copy.insert(copy.find("第5项"), "同时注重总结经验做法，形成长效机制。");  // an edit
  const auto a = ComputeFingerprint(source, {"花台乡"});
  const auto b = ComputeFingerprint(copy, {"东关镇"});
  const PairComparison cmp = Compare(a, b);
  EXPECT_GT(cmp.similarity, 0.6);
  EXPECT_TRUE(cmp.numbers_differ);
  ASSERT_GE(cmp.passages.size(), 2u);
  const SharedPassage& p = cmp.passages[0];
  EXPECT_GE(p.clauses, kMinPassageClauses);
  // The spans cut the same masked clauses out of both texts.
  const std::string in_a = source.substr(p.a_begin, p.a_end - p.a_begin);
  const std::string in_b = copy.substr(p.b_begin, p.b_end - p.b_begin);
  EXPECT_NE(in_a, in_b);
  EXPECT_EQ(in_a.find("东关镇"), std::string::npos);
  // The MinHash estimate agrees with the exact similarity within its error.
  const auto sa = SignatureOf(a), sb = SignatureOf(b);
  EXPECT_NEAR(EstimateSimilarity(sa.data(), sb.data(), kMinHashes), cmp.similarity, 0.2);
}

TEST(NearDuplicateTest, SharedBoilerplateAloneIsNotSimilar) {
  // Two reports that share an opening boilerplate paragraph but are otherwise their own.
  const std::string boiler =
      "坚持以习近平法治思想为指导，深入学习贯彻党的二十大精神，增强四个意识，坚定四个自信，做到两个维护，"
      "全面落实行政执法三项制度，推进八五普法规划实施，打通服务群众最后一公里。\n";
  const auto a = ComputeFingerprint(boiler + Report("花台乡", 10, 10, 0), {"花台乡"});
  std::string own = Report("东关镇", 10, 10, 1, 11);  // its own wording: every clause other than a's
  for (size_t at = 0; (at = own.find("次", at)) != std::string::npos;) own.replace(at, 3, "项");
  const auto b = ComputeFingerprint(boiler + own, {"东关镇"});
  // The boilerplate's shingles are common to many documents (aggregate counts them).
  const std::vector<uint64_t> common = Shingles(ComputeFingerprint(boiler, {}), kCompareClauses);
  auto is_common = [&](uint64_t s) { return std::binary_search(common.begin(), common.end(), s); };
  const PairComparison raw = Compare(a, b);
  const PairComparison cmp = Compare(a, b, is_common);
  EXPECT_LT(cmp.similarity, raw.similarity);
  EXPECT_LT(cmp.similarity, AuditOptions().near_duplicate_similarity);
  ASSERT_FALSE(cmp.passages.empty());  // the boilerplate is still shown as shared
  EXPECT_GE(cmp.passages[0].clauses, 9u);  // its 8 clauses and the title (joined to the next line)
}

TEST(DuplicateIndexTest, FindsTheCopyAmongUnrelatedReportsAndForgetsRemoved) {
  DuplicateIndex index;
  std::vector<uint32_t> slots;
  for (int i = 0; i < 50; ++i) {
    const auto fp = ComputeFingerprint(Report("花台乡", i, 10, i), {"花台乡"});
    ASSERT_OK_AND_ASSIGN(uint32_t slot, index.Add(SignatureOf(fp)));
    slots.push_back(slot);
  }
  const auto copy = ComputeFingerprint(Report("东关镇", 99, 10, 17), {"东关镇"});
  const auto sig = SignatureOf(copy);
  const auto found = index.Candidates(sig);
  EXPECT_NE(std::find(found.begin(), found.end(), slots[17]), found.end());
  EXPECT_GT(index.Estimate(slots[17], sig), 0.9);
  index.Remove(slots[17]);
  const auto after = index.Candidates(sig);
  EXPECT_EQ(std::find(after.begin(), after.end(), slots[17]), after.end());
  EXPECT_EQ(index.live(), 49u);
  EXPECT_GT(index.MemoryBytes(), 0u);
  EXPECT_FALSE(index.Add(std::vector<uint16_t>(3, 0)).ok());
}

TEST(AuditOptionsTest, DefaultsAndRangeChecks) {
  config::v1::AuditConfig c;
  ASSERT_OK_AND_ASSIGN(AuditOptions d, AuditOptionsFromConfig(c));
  EXPECT_EQ(d.yoy_factor, 10);
  EXPECT_EQ(d.yoy_rate_points, 30);
  EXPECT_TRUE(d.near_duplicates);
  c.set_near_duplicate_similarity(1.5);
  EXPECT_FALSE(AuditOptionsFromConfig(c).ok());
  c.set_near_duplicate_similarity(0.4);
  c.set_yoy_factor(1.0);
  EXPECT_FALSE(AuditOptionsFromConfig(c).ok());
  c.set_yoy_factor(5);
  c.set_yoy_rate_points(0);
  EXPECT_FALSE(AuditOptionsFromConfig(c).ok());
  c.set_yoy_rate_points(20);
  c.set_near_duplicates(false);
  ASSERT_OK_AND_ASSIGN(AuditOptions o, AuditOptionsFromConfig(c));
  EXPECT_EQ(o.near_duplicate_similarity, 0.4);
  EXPECT_EQ(o.yoy_factor, 5);
  EXPECT_FALSE(o.near_duplicates);
}

}  // namespace
}  // namespace reportflow::audit
