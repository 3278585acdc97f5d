#include "common/audit/fingerprint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
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
  const std::vector<ClauseSpan> spans = ClauseSpans(fp);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(text.substr(spans[0].begin, spans[0].end - spans[0].begin), "一是调解纠纷90件");
  EXPECT_EQ(text.substr(spans[2].begin, spans[2].end - spans[2].begin), "二是开展培训3次");
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
  std::vector<uint32_t> common = ClauseGrams(ComputeFingerprint(boiler, {}));
  std::sort(common.begin(), common.end());
  auto weight = [&](uint32_t g) { return std::binary_search(common.begin(), common.end(), g) ? 0.0f : 1.0f; };
  const PairComparison raw = Compare(a, b);
  const PairComparison cmp = Compare(a, b, weight);
  EXPECT_LT(cmp.similarity, raw.similarity);
  EXPECT_LT(cmp.similarity, AuditOptions().near_duplicate_similarity);
  ASSERT_FALSE(cmp.passages.empty());  // the boilerplate is still shown as shared
  EXPECT_GE(cmp.passages[0].clauses, 9u);  // its 8 clauses and the title (joined to the next line)
}

TEST(NearDuplicateTest, AnEditCostsOnlyTheGramsItBreaks) {
  const std::vector<uint32_t> a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const std::vector<float> ones(20, 1.0f);
  // One gram replaced and one inserted: 9 of the 10 grams still line up.
  const std::vector<uint32_t> b = {1, 2, 3, 40, 5, 6, 7, 77, 8, 9, 10};
  EXPECT_DOUBLE_EQ(AlignedSimilarity(a, {ones.data(), a.size()}, b, {ones.data(), b.size()}), 2.0 * 9 / 21);
  // The same grams in another order line up far less (a template's sentences shuffled).
  const std::vector<uint32_t> shuffled = {6, 7, 8, 9, 10, 1, 2, 3, 4, 5};
  EXPECT_LE(AlignedSimilarity(a, {ones.data(), a.size()}, shuffled, {ones.data(), shuffled.size()}), 0.5);
  // Weights: text every document has (weight 0) counts neither as shared nor as own.
  const std::vector<float> wa = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
  const std::vector<uint32_t> c = {1, 2, 3, 4, 5, 60, 70, 80, 90, 100};
  const std::vector<float> wc = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
  EXPECT_DOUBLE_EQ(AlignedSimilarity(a, wa, c, wc), 0.0);
  EXPECT_EQ(AlignedSimilarity({}, {}, a, wa), 0.0);
}

// The textbook dynamic programme over every (i, j): what the sparse alignment must equal.
double DenseAlignment(const std::vector<uint32_t>& a, const std::vector<float>& wa, const std::vector<uint32_t>& b,
                      const std::vector<float>& wb) {
  double total = 0;
  for (float w : wa) total += w;
  for (float w : wb) total += w;
  if (a.empty() || b.empty() || total <= 0) return 0;
  std::vector<std::vector<double>> t(a.size() + 1, std::vector<double>(b.size() + 1, 0));
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      t[i][j] = std::max(t[i - 1][j], t[i][j - 1]);
      if (a[i - 1] == b[j - 1]) t[i][j] = std::max(t[i][j], t[i - 1][j - 1] + wa[i - 1]);
    }
  }
  return std::min(1.0, 2.0 * t[a.size()][b.size()] / total);
}

TEST(NearDuplicateTest, SparseAlignmentEqualsTheDenseProgramme) {
  // Small alphabets, so grams repeat within and across sequences (the hard case
  // for a sparse alignment); each gram weighs the same wherever it is.
  uint64_t state = 7;
  auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull, state >> 33; };
  for (int round = 0; round < 500; ++round) {
    const uint32_t alphabet = 2 + static_cast<uint32_t>(next() % 12);
    std::vector<float> weight_of(alphabet);
    for (float& w : weight_of) w = static_cast<float>(next() % 5) * 0.5f;
    std::vector<uint32_t> a(next() % 25), b(next() % 25);
    for (auto& x : a) x = static_cast<uint32_t>(next() % alphabet);
    for (auto& x : b) x = static_cast<uint32_t>(next() % alphabet);
    std::vector<float> wa, wb;
    for (uint32_t x : a) wa.push_back(weight_of[x]);
    for (uint32_t x : b) wb.push_back(weight_of[x]);
    ASSERT_NEAR(AlignedSimilarity(a, wa, b, wb), DenseAlignment(a, wa, b, wb), 1e-6) << "round " << round;
  }
}

TEST(DuplicateIndexTest, RanksTheCopyFirstAndForgetsRemoved) {
  DuplicateIndex index;
  std::vector<uint32_t> slots;
  for (int i = 0; i < 50; ++i) {
    slots.push_back(index.Add(Shingles(ComputeFingerprint(Report("花台乡", i, 10, i), {"花台乡"}))));
  }
  const auto copy = Shingles(ComputeFingerprint(Report("东关镇", 99, 10, 17), {"东关镇"}));
  // Topics 5, 17, 29 and 41 give the same masked text (the clause table has
  // 12 entries): those four, and no other report, rank first.
  const auto found = index.Candidates(copy, 4);
  ASSERT_EQ(found.size(), 4u);
  for (uint32_t slot : found) EXPECT_EQ(slot % 12, 5u) << slot;
  index.Remove(slots[17]);
  const auto after = index.Candidates(copy, 4);
  EXPECT_EQ(std::find(after.begin(), after.end(), slots[17]), after.end());
  EXPECT_EQ(index.live(), 49u);
  EXPECT_GT(index.MemoryBytes(), 0u);
}

// A fingerprint whose masked clause hashes are `clauses` (no text behind it).
extract::v1::TextFingerprint Clauses(const std::vector<uint32_t>& clauses) {
  extract::v1::TextFingerprint fp;
  for (uint32_t c : clauses) fp.add_masked(c);
  return fp;
}

TEST(WinnowingTest, TextsSharingNineClausesKeepAShingleInCommonAndFewerAreKept) {
  uint64_t state = 11;
  auto next = [&] { return static_cast<uint32_t>((state = state * 6364136223846793005ull + 1442695040888963407ull) >> 33); };
  constexpr int kRun = kShingleClauses + kWinnowWindow - 1;  // 9
  size_t kept = 0, all = 0;
  for (int round = 0; round < 300; ++round) {
    // Two otherwise unrelated texts with one run of 9 clauses in common, anywhere in each.
    std::vector<uint32_t> run(kRun), a(5 + next() % 60), b(5 + next() % 60);
    for (auto& x : run) x = next();
    for (auto& x : a) x = next();
    for (auto& x : b) x = next();
    a.insert(a.begin() + static_cast<std::ptrdiff_t>(next() % (a.size() + 1)), run.begin(), run.end());
    b.insert(b.begin() + static_cast<std::ptrdiff_t>(next() % (b.size() + 1)), run.begin(), run.end());
    const auto wa = Shingles(Clauses(a), kShingleClauses, kWinnowWindow);
    const auto wb = Shingles(Clauses(b), kShingleClauses, kWinnowWindow);
    std::vector<uint64_t> both;
    std::set_intersection(wa.begin(), wa.end(), wb.begin(), wb.end(), std::back_inserter(both));
    EXPECT_FALSE(both.empty()) << "round " << round;
    kept += wa.size();
    all += Shingles(Clauses(a)).size();
  }
  // About 2 / (window + 1) of the shingles.
  EXPECT_LT(static_cast<double>(kept) / static_cast<double>(all), 0.5);
  EXPECT_GT(static_cast<double>(kept) / static_cast<double>(all), 0.3);
}

TEST(DuplicateIndexTest, AGrowingTableStillFindsTheCopyAndDropsCommonShingles) {
  DuplicateIndex index;
  uint64_t state = 5;
  auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull; };
  const std::vector<uint64_t> boilerplate = {1, 2, 3};
  std::vector<std::vector<uint64_t>> docs(4000);
  for (auto& d : docs) {
    d = boilerplate;
    for (int i = 0; i < 60; ++i) d.push_back(next());  // 240,000 shingles: the table grows many times
    std::sort(d.begin(), d.end());
    index.Add(d);
  }
  // A copy of document 1234: half its shingles, the boilerplate and some of its own.
  std::vector<uint64_t> copy = boilerplate;
  for (size_t i = 0; i < docs[1234].size(); i += 2) copy.push_back(docs[1234][i]);
  for (int i = 0; i < 30; ++i) copy.push_back(next());
  std::sort(copy.begin(), copy.end());
  copy.erase(std::unique(copy.begin(), copy.end()), copy.end());
  const auto found = index.Candidates(copy, 3);
  ASSERT_EQ(found.size(), 1u);  // the boilerplate, in every document, names no one
  EXPECT_EQ(found[0], 1234u);
  EXPECT_TRUE(index.Candidates(boilerplate, 10).empty());
  index.Remove(1234);
  EXPECT_TRUE(index.Candidates(copy, 3).empty());
  EXPECT_LT(index.MemoryBytes(), size_t{8} << 20);  // 8-byte buckets, no node per shingle
}

TEST(DuplicateIndexTest, TextInManyDocumentsNamesNoCandidates) {
  DuplicateIndex index;
  DocumentFrequencies df;
  const std::vector<uint64_t> boilerplate = {7, 8, 9};
  for (int i = 0; i < 100; ++i) {
    df.Count(boilerplate, +1);
    index.Add(boilerplate);
  }
  EXPECT_EQ(df.Get(7), 100u);
  EXPECT_LT(df.Weight(7), 0.02f);  // ln(101 / 100)
  EXPECT_NEAR(df.Weight(12345), std::log(101.0), 1e-4);  // in no document
  // In more than max(20, 1%) documents: the lists were dropped.
  EXPECT_TRUE(index.Candidates(boilerplate, 10).empty());
  df.Count(boilerplate, -1);
  EXPECT_EQ(df.Get(7), 99u);
  EXPECT_EQ(df.documents(), 99u);
}

// Past 20,000 documents 1% would let a list grow with the corpus (1,000 at
// 100,000), and every new document sharing it would walk it: a shingle in
// more than kRareMaxDocs documents is common whatever their number. One in
// kRareMaxDocs still names its documents.
TEST(DuplicateIndexTest, ListsStopAtACeilingWhateverTheNumberOfDocuments) {
  DuplicateIndex index;
  const uint32_t n = 40000;  // 1% would be 400
  uint64_t fresh = 1000;
  const std::vector<uint64_t> at_ceiling = {1}, past_ceiling = {2};
  for (uint32_t i = 0; i < n; ++i) {
    std::vector<uint64_t> shingles = {fresh++};
    // The shared shingles go to the last documents, when 1% of those indexed is above the ceiling.
    if (i >= n - DuplicateIndex::kRareMaxDocs) shingles.push_back(1);
    if (i >= n - DuplicateIndex::kRareMaxDocs - 1) shingles.push_back(2);
    std::sort(shingles.begin(), shingles.end());
    index.Add(shingles);
  }
  EXPECT_EQ(index.Candidates(at_ceiling, n).size(), DuplicateIndex::kRareMaxDocs);
  EXPECT_TRUE(index.Candidates(past_ceiling, n).empty());
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
