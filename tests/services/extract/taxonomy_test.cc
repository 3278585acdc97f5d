#include "services/extract/taxonomy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/testing/test_util.h"

namespace reportflow::extract {
namespace {

namespace cpb = ::reportflow::common::v1;

constexpr char kSmall[] = R"(schema: 1
metrics:
  - id: mediation.success_rate
    label_zh: 调解成功率
    label_en: Mediation success rate
    kinds: [percent]
    match:
      - [调解, 成功率]
  - id: mediation.disputes_handled
    label_zh: 调解矛盾纠纷
    label_en: Disputes mediated
    kinds: [count]
    units: [件, 件次, 起]
    match:
      - [纠纷]
      - [调解]
    exclude: [成功]
)";

TEST(TaxonomyTest, ParsesAndClassifiesInOrder) {
  ASSERT_OK_AND_ASSIGN(auto tax, Taxonomy::Parse(kSmall));
  ASSERT_EQ(tax->entries().size(), 2u);
  EXPECT_EQ(tax->entries()[0].label_en, "Mediation success rate");
  const TaxonomyEntry* e = tax->Classify("调解成功率", cpb::QUANTITY_KIND_PERCENT, "%");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->metric_id, "mediation.success_rate");
  e = tax->Classify("调处邻里纠纷", cpb::QUANTITY_KIND_COUNT, "件");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->metric_id, "mediation.disputes_handled");
  // Kind, unit and exclude restrict an entry.
  EXPECT_EQ(tax->Classify("调处邻里纠纷", cpb::QUANTITY_KIND_PERCENT, "%"), nullptr);
  EXPECT_EQ(tax->Classify("调处邻里纠纷", cpb::QUANTITY_KIND_COUNT, "人"), nullptr);
  EXPECT_EQ(tax->Classify("成功调解纠纷", cpb::QUANTITY_KIND_COUNT, "件"), nullptr);
  // No match: nullptr, which the extractor reports as "unclassified".
  EXPECT_EQ(tax->Classify("新建文化广场", cpb::QUANTITY_KIND_COUNT, "个"), nullptr);
}

TEST(TaxonomyTest, ClassifyInContextNeedsAKeywordInTheSubject) {
  ASSERT_OK_AND_ASSIGN(auto tax, Taxonomy::Parse(kSmall));
  // 调解 comes from the context, 成功率 from the subject.
  const TaxonomyEntry* e =
      tax->ClassifyInContext("成功率", "共调解纠纷20件，成功19件，", cpb::QUANTITY_KIND_PERCENT, "%");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->metric_id, "mediation.success_rate");
  // Every keyword of the group only in the context: no anchor in the subject.
  EXPECT_EQ(tax->ClassifyInContext("覆盖率", "调解成功率95%，", cpb::QUANTITY_KIND_PERCENT, "%"), nullptr);
  EXPECT_EQ(tax->Classify("成功率", cpb::QUANTITY_KIND_PERCENT, "%"), nullptr);
}

TEST(TaxonomyTest, VersionIsAHashOfTheContent) {
  ASSERT_OK_AND_ASSIGN(auto a, Taxonomy::Parse(kSmall));
  ASSERT_OK_AND_ASSIGN(auto b, Taxonomy::Parse(kSmall));
  ASSERT_OK_AND_ASSIGN(auto c, Taxonomy::Parse(std::string(kSmall) + "# edited\n"));
  EXPECT_EQ(a->version(), b->version());
  EXPECT_NE(a->version(), c->version());
  EXPECT_EQ(a->version().size(), 16u);
}

TEST(TaxonomyTest, RejectsUnknownKeysAndMalformedEntries) {
  const std::string bad[] = {
      "schema: 1\nmetrics: []\n",
      "metrics:\n  - {id: a.b, label_zh: 甲, label_en: A, match: [[甲]]}\n",
      "schema: 2\nmetrics:\n  - {id: a.b, label_zh: 甲, label_en: A, match: [[甲]]}\n",
      "schema: 1\nextra: 1\nmetrics:\n  - {id: a.b, label_zh: 甲, label_en: A, match: [[甲]]}\n",
      "schema: 1\nmetrics:\n  - {id: a.b, label_zh: 甲, label_en: A, match: [[甲]], colour: red}\n",
      "schema: 1\nmetrics:\n  - {id: a.b, label_zh: 甲, label_en: A}\n",
      "schema: 1\nmetrics:\n  - {id: a.b, label_zh: 甲, match: [[甲]]}\n",
      "schema: 1\nmetrics:\n  - {id: A B, label_zh: 甲, label_en: A, match: [[甲]]}\n",
      "schema: 1\nmetrics:\n  - {id: unclassified, label_zh: 甲, label_en: A, match: [[甲]]}\n",
      "schema: 1\nmetrics:\n  - {id: a.b, label_zh: 甲, label_en: A, kinds: [weight], match: [[甲]]}\n",
      "schema: 1\nmetrics:\n  - {id: a.b, label_zh: 甲, label_en: A, match: [[]]}\n",
      "schema: 1\nmetrics:\n  - {id: a.b, label_zh: 甲, label_en: A, match: [甲]}\n",
      "schema: 1\nmetrics:\n  - {id: a.b, label_zh: 甲, label_en: A, match: [[甲]]}\n"
      "  - {id: a.b, label_zh: 乙, label_en: B, match: [[乙]]}\n",
      "schema: 1\nmetrics: [unclosed\n",
  };
  for (const std::string& yaml : bad) {
    auto r = Taxonomy::Parse(yaml);
    EXPECT_FALSE(r.ok()) << yaml;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status();
    }
  }
}

TEST(TaxonomyTest, DefaultIsTheDeployedFile) {
  ASSERT_OK_AND_ASSIGN(auto def, Taxonomy::Default());
  ASSERT_OK_AND_ASSIGN(auto file,
                       Taxonomy::LoadFile((reportflow::testing::SourceDir() / "deploy/config/taxonomy.yaml").string()));
  EXPECT_EQ(def->version(), file->version());
  // The ids the issue names are all present.
  for (const std::string id :
       {"mediation.disputes_handled", "mediation.success_rate", "legal_awareness.events", "legal_awareness.audience",
        "legal_awareness.materials", "enforcement.certified_officers", "legal_advisors.count",
        "legal_review.contracts", "litigation.court_appearances", "petitions.received", "training.sessions",
        "exam.pass_rate"}) {
    bool found = false;
    for (const auto& e : def->entries()) found = found || e.metric_id == id;
    EXPECT_TRUE(found) << id;
  }
}

TEST(TaxonomyTest, LoadFileErrors) {
  reportflow::testing::TempDir dir;
  auto missing = Taxonomy::LoadFile((dir / "none.yaml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  {
    std::ofstream out(dir / "bad.yaml");
    out << "schema: 1\nmetrics:\n  - {id: a.b, label_zh: 甲, label_en: A, match: [[甲]], typo: 1}\n";
  }
  auto bad = Taxonomy::LoadFile((dir / "bad.yaml").string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("typo"), std::string::npos);
}

}  // namespace
}  // namespace reportflow::extract
