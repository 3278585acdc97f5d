#include "services/aggregate/audit_keeper.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/audit/fingerprint.h"
#include "common/storage/store.h"
#include "tests/testing/faulty_store.h"
#include "tests/testing/test_util.h"

namespace reportflow::aggregate {
namespace {

namespace apb = ::reportflow::aggregate::v1;
namespace epb = ::reportflow::extract::v1;

// A report of 12 paragraphs whose clause order depends on `topic`; numbers from `base`.
std::string Report(const std::string& unit, int base, int topic) {
  static const char* kClauses[] = {"组织开展法治宣传活动", "发放宣传资料", "受教育群众", "调解矛盾纠纷",
                                   "审查合同", "聘请法律顾问", "开展执法检查", "办理复议案件",
                                   "接待来访群众", "举办培训班", "排查安全隐患", "整改到位", "开展会前学法"};
  std::string text = unit + "法治政府建设工作报告\n";
  for (int p = 0; p < 12; ++p) {
    for (int c = 0; c < 4; ++c) {
      text += std::string(kClauses[(p * (topic + 2) + c * (topic + 5) + topic) % 13]) + std::to_string(base + p + c) + "次";
      text += c == 3 ? "。" : "，";
    }
  }
  return text;
}

epb::ExtractionResult Extraction(const std::string& unit, const std::string& code, int year, int base, int topic) {
  epb::ExtractionResult r;
  r.set_source(unit + std::to_string(year) + ".txt");
  r.mutable_metadata()->set_township(unit);
  r.mutable_metadata()->set_township_code(code);
  r.mutable_metadata()->set_year(year);
  *r.mutable_fingerprint() = audit::ComputeFingerprint(Report(unit, base, topic), audit::NamesToMask(r.metadata()));
  return r;
}

class AuditKeeperTest : public ::testing::Test {
 protected:
  std::unique_ptr<storage::Store> store_ = storage::NewMemStore(Aggregator::ColumnFamilies());

  std::vector<apb::AuditFinding> Apply(AuditKeeper& keeper, const std::vector<std::pair<std::string, epb::ExtractionResult>>& docs) {
    std::vector<GroupDocument> group;
    for (const auto& [id, r] : docs) group.push_back({id, &r});
    auto found = keeper.ApplyGroup(group);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    std::vector<apb::AuditFinding> dups;
    for (auto& f : *found) {
      if (f.kind() == "near_duplicate") dups.push_back(f);
    }
    return dups;
  }

  size_t StoredPairs(const AuditKeeper& keeper) {
    size_t n = 0;
    EXPECT_OK(keeper.ForEachNearDuplicate([&](const apb::AuditFinding&) { ++n; }));
    return n;
  }
};

TEST_F(AuditKeeperTest, ACopyInALaterBatchIsFoundAgainstEarlierOnes) {
  AuditKeeper keeper(store_.get(), audit::AuditOptions());
  // First batch: unrelated reports.
  EXPECT_TRUE(Apply(keeper, {{"a", Extraction("花台乡", "500238206000", 2022, 1, 0)},
                             {"b", Extraction("东关镇", "500238104000", 2022, 1, 1)},
                             {"c", Extraction("红池坝镇", "500238105000", 2022, 1, 2)}})
                  .empty());
  // A second keeper over the same store (a restarted service): the index is rebuilt from it.
  AuditKeeper restarted(store_.get(), audit::AuditOptions());
  const auto dups = Apply(restarted, {{"d", Extraction("花台乡", "500238206000", 2023, 50, 0)}});
  ASSERT_EQ(dups.size(), 1u);
  const apb::AuditFinding& f = dups[0];
  EXPECT_EQ(f.code(), "same_unit_other_year");
  EXPECT_EQ(f.documents(0).doc_id(), "a");  // the earlier one first
  EXPECT_EQ(f.documents(1).doc_id(), "d");
  EXPECT_EQ(f.year(), 2023);
  EXPECT_GT(f.similarity(), 0.9);
  EXPECT_TRUE(f.numbers_differ());
  EXPECT_GT(f.documents(0).spans_size(), 0);
  EXPECT_EQ(f.documents(0).spans_size(), f.documents(1).spans_size());
  EXPECT_EQ(StoredPairs(restarted), 1u);
}

// In one group, copies of one report share most of their grams, so their
// weights are looked up once for the group: the similarities found are still
// those of a comparison on the frequencies as they stand.
TEST_F(AuditKeeperTest, AGroupOfCopiesIsWeighedAsEachPairAlone) {
  AuditKeeper keeper(store_.get(), audit::AuditOptions());
  Apply(keeper, {{"x", Extraction("东关镇", "500238104000", 2022, 1, 5)},
                 {"y", Extraction("红池坝镇", "500238105000", 2022, 1, 6)}});
  // The same report with its own paragraphs added: similar, not alike, so
  // the similarity depends on how each gram is weighed.
  auto copy = [](int year, int base, const std::string& own) {
    epb::ExtractionResult r = Extraction("花台乡", "500238206000", year, base, 0);
    const std::string text = Report("花台乡", base, 0) + own;
    *r.mutable_fingerprint() = audit::ComputeFingerprint(text, audit::NamesToMask(r.metadata()));
    return r;
  };
  std::vector<std::pair<std::string, epb::ExtractionResult>> group = {
      {"a", copy(2021, 1, "")},
      {"b", copy(2022, 30, "新建村级法律服务点，完善公共法律服务体系，推进综合行政执法改革。")},
      {"c", copy(2023, 60, "落实重大行政决策程序规定，开展规范性文件清理工作，建立合法性审核机制，推行行政执法三项制度，"
                           "加强行政复议规范化建设。")}};
  const auto dups = Apply(keeper, group);
  ASSERT_EQ(dups.size(), 3u);  // a-b, a-c, b-c
  std::map<std::string, const epb::ExtractionResult*> by_id;
  for (const auto& [id, r] : group) by_id[id] = &r;
  for (const auto& f : dups) {
    const auto cmp = keeper.Compare(by_id.at(f.documents(0).doc_id())->fingerprint(),
                                    by_id.at(f.documents(1).doc_id())->fingerprint());
    EXPECT_NEAR(f.similarity(), cmp.similarity, 1e-4) << f.documents(0).doc_id() << " " << f.documents(1).doc_id();
  }
}

TEST_F(AuditKeeperTest, ReprocessingReplacesFingerprintsAndNeverDoubleCounts) {
  AuditKeeper keeper(store_.get(), audit::AuditOptions());
  Apply(keeper, {{"a", Extraction("花台乡", "500238206000", 2022, 1, 0)}});
  ASSERT_EQ(Apply(keeper, {{"b", Extraction("东关镇", "500238104000", 2022, 9, 0)}}).size(), 1u);
  EXPECT_EQ(keeper.indexed(), 2u);
  // The same extraction delivered again: nothing new, nothing twice.
  EXPECT_TRUE(Apply(keeper, {{"b", Extraction("东关镇", "500238104000", 2022, 9, 0)}}).empty());
  EXPECT_EQ(StoredPairs(keeper), 1u);
  EXPECT_EQ(keeper.indexed(), 2u);
  // b re-extracted with other text: its pair goes, its new text is compared afresh.
  EXPECT_TRUE(Apply(keeper, {{"b", Extraction("东关镇", "500238104000", 2022, 9, 3)}}).empty());
  EXPECT_EQ(StoredPairs(keeper), 0u);
  EXPECT_EQ(keeper.indexed(), 2u);
  // And back: found again, once.
  EXPECT_EQ(Apply(keeper, {{"b", Extraction("东关镇", "500238104000", 2022, 9, 0)}}).size(), 1u);
  EXPECT_EQ(StoredPairs(keeper), 1u);
}

// A withdrawn (quarantined) document leaves the audit: its pairs, its
// fingerprint, its weight in the clause counts; a replay indexes it afresh.
TEST_F(AuditKeeperTest, AWithdrawnDocumentLeavesTheIndexAndItsPairs) {
  AuditKeeper keeper(store_.get(), audit::AuditOptions());
  Apply(keeper, {{"a", Extraction("花台乡", "500238206000", 2022, 1, 0)},
                 {"c", Extraction("红池坝镇", "500238105000", 2022, 1, 2)}});
  ASSERT_EQ(Apply(keeper, {{"b", Extraction("东关镇", "500238104000", 2022, 9, 0)}}).size(), 1u);
  ASSERT_EQ(StoredPairs(keeper), 1u);
  ASSERT_OK(keeper.Withdraw({"b", "unknown"}));
  EXPECT_EQ(StoredPairs(keeper), 0u);
  EXPECT_EQ(keeper.indexed(), 2u);
  std::set<std::string> docs;
  ASSERT_OK(keeper.ForEachDocument([&](const apb::AuditDocument& d) { docs.insert(d.doc_id()); }));
  EXPECT_EQ(docs, (std::set<std::string>{"a", "c"}));
  ASSERT_OK(keeper.Withdraw({"b"}));  // again: nothing to do
  // A restarted keeper agrees (the store holds the same).
  AuditKeeper restarted(store_.get(), audit::AuditOptions());
  EXPECT_EQ(StoredPairs(restarted), 0u);
  // The replay: found again, once.
  EXPECT_EQ(Apply(restarted, {{"b", Extraction("东关镇", "500238104000", 2022, 9, 0)}}).size(), 1u);
  EXPECT_EQ(StoredPairs(restarted), 1u);
}

// A group that fails part way (here: reading the earlier copy a pair was
// found with) leaves nothing half known: delivered again, its documents are
// compared and indexed as if for the first time.
TEST_F(AuditKeeperTest, AGroupThatFailsPartWayIsComparedAgainWhenDeliveredAgain) {
  testing::FaultyStore store(store_.get());
  AuditKeeper keeper(&store, audit::AuditOptions());
  EXPECT_TRUE(Apply(keeper, {{"a", Extraction("花台乡", "500238206000", 2022, 1, 0)},
                             {"b", Extraction("东关镇", "500238104000", 2022, 1, 1)}})
                  .empty());
  const epb::ExtractionResult copy = Extraction("花台乡", "500238206000", 2023, 50, 0);
  store.fail_reads = true;
  EXPECT_FALSE(keeper.ApplyGroup({{"d", &copy}}).ok());
  store.fail_reads = false;
  const auto dups = Apply(keeper, {{"d", copy}});
  ASSERT_EQ(dups.size(), 1u);
  EXPECT_EQ(dups[0].documents(0).doc_id(), "a");
  EXPECT_EQ(dups[0].documents(1).doc_id(), "d");
  EXPECT_EQ(StoredPairs(keeper), 1u);
  // And it is indexed: a third copy finds both.
  const auto third = Apply(keeper, {{"e", Extraction("花台乡", "500238206000", 2024, 90, 0)}});
  EXPECT_EQ(third.size(), 2u);
}

TEST_F(AuditKeeperTest, OffMeansNoIndexButConsistencyFindingsStillFlow) {
  audit::AuditOptions off;
  off.near_duplicates = false;
  AuditKeeper keeper(store_.get(), off);
  auto r = Extraction("花台乡", "500238206000", 2022, 1, 0);
  auto* f = r.add_findings();
  f->set_code("rate_above_100");
  f->set_severity(epb::SEVERITY_ERROR);
  std::vector<GroupDocument> group = {{"a", &r}, {"b", &r}};
  ASSERT_OK_AND_ASSIGN(auto found, keeper.ApplyGroup(group));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].kind(), "consistency");
  EXPECT_EQ(keeper.indexed(), 0u);
}

}  // namespace
}  // namespace reportflow::aggregate
