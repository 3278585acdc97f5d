#include "common/text/han_variants.h"

#include <gtest/gtest.h>

namespace reportflow::text {
namespace {

TEST(HanVariantsTest, TraditionalCharactersBecomeSimplifiedAndOthersStay) {
  const HanVariants& han = HanVariants::Get();
  EXPECT_EQ(han.ToSimplified(U'國'), U'国');
  EXPECT_EQ(han.ToSimplified(U'區'), U'区');
  EXPECT_EQ(han.ToSimplified(U'調'), U'调');
  for (char32_t c : {U'国', U'调', U'法', U'a', U'7', U'，', U'\u3000', char32_t{0x1F600}, char32_t{0xFFFF}}) {
    EXPECT_EQ(han.ToSimplified(c), c) << static_cast<uint32_t>(c);
  }
  EXPECT_EQ(han.Simplify("全區調解糾紛90余件"), "全区调解纠纷90余件");
}

TEST(HanVariantsTest, EveryCharacterAgreesWithTheWholeTable) {
  // The bitmap in front of the table must name exactly the characters the table changes.
  const HanVariants& han = HanVariants::Get();
  const std::vector<char32_t>& table = han.table();
  ASSERT_EQ(table.size(), size_t{0x10000});
  size_t changed = 0;
  for (char32_t c = 0; c < table.size(); ++c) {
    ASSERT_EQ(han.ToSimplified(c), table[c]) << static_cast<uint32_t>(c);
    if (table[c] != c) ++changed;
  }
  EXPECT_GT(changed, size_t{1000});
}

}  // namespace
}  // namespace reportflow::text
