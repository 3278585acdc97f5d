#include "services/aggregate/known_documents.h"

#include <random>
#include <string>
#include <unordered_map>

#include "common/text/doc_id.h"
#include "tests/testing/test_util.h"

namespace reportflow::aggregate {
namespace {

// Random inserts, updates and erases against a std::unordered_map: the table
// (with its growth and its backward-shift erase) agrees after every step, for
// canonical ids (packed) and others (kept as text) alike, the all-zero id
// (the table's empty mark) included.
TEST(KnownDocumentsTest, AgreesWithAMapThroughInsertsErasesAndGrowth) {
  KnownDocuments known;
  std::unordered_map<std::string, KnownDocuments::Known> reference;
  std::mt19937 rng(11);
  auto id_of = [](uint32_t n) {
    if (n == 5) return std::string(32, '0');
    return n % 7 == 0 ? "doc-" + std::to_string(n) : text::DocIdForText(std::to_string(n));
  };
  ASSERT_TRUE(text::PackDocId(id_of(5)).has_value()) << "a canonical id";
  for (int step = 0; step < 60000; ++step) {
    const std::string id = id_of(rng() % 6000);
    switch (rng() % 4) {
      case 0:
        known.Erase(id);
        reference.erase(id);
        break;
      default: {
        KnownDocuments::Known& k = known.Insert(id);
        KnownDocuments::Known& r = reference[id];
        EXPECT_EQ(k.digest, r.digest);
        EXPECT_EQ(k.slot, r.slot);
        k.digest = r.digest = rng();
        k.slot = r.slot = static_cast<uint32_t>(step);
      }
    }
    ASSERT_EQ(known.size(), reference.size());
  }
  for (uint32_t n = 0; n < 6000; ++n) {
    const std::string id = id_of(n);
    const KnownDocuments::Known* k = known.Find(id);
    auto r = reference.find(id);
    ASSERT_EQ(k != nullptr, r != reference.end()) << id;
    if (k) {
      EXPECT_EQ(k->digest, r->second.digest);
      EXPECT_EQ(k->slot, r->second.slot);
    }
  }
  known.Clear();
  EXPECT_EQ(known.size(), 0u);
  EXPECT_EQ(known.Find(id_of(1)), nullptr);
}

}  // namespace
}  // namespace reportflow::aggregate
