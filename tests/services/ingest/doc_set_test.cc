#include "services/ingest/doc_set.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace reportflow::ingest {
namespace {

TEST(DocSetTest, KeepsHexIdsAndAnyOtherIdAndGivesThemBack) {
  DocSet set;
  const std::string a = "0123456789abcdef0123456789abcdef";
  const std::string b = "ffffffffffffffffffffffffffffff00";
  EXPECT_TRUE(set.insert(a));
  EXPECT_FALSE(set.insert(a));
  EXPECT_TRUE(set.insert(b));
  EXPECT_TRUE(set.insert("doc-1"));                             // not a hex id: kept as a string
  EXPECT_TRUE(set.insert("0123456789ABCDEF0123456789ABCDEF"));  // upper case is another id
  EXPECT_FALSE(set.insert("doc-1"));
  EXPECT_EQ(set.size(), 4u);
  EXPECT_TRUE(set.contains(b));
  EXPECT_FALSE(set.contains("0123456789abcdef0123456789abcdee"));
  std::set<std::string> members;
  set.ForEach([&](const std::string& id) { members.insert(id); });
  EXPECT_EQ(members, (std::set<std::string>{a, b, "doc-1", "0123456789ABCDEF0123456789ABCDEF"}));
}

}  // namespace
}  // namespace reportflow::ingest
