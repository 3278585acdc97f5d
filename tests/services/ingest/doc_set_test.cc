#include "services/ingest/doc_set.h"

#include <gtest/gtest.h>

#include <cstdio>
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

TEST(DocFlagsTest, CountsEachFlagOncePerMemberAndVisitsItsMembers) {
  DocFlags flags;
  const std::string a = "0123456789abcdef0123456789abcdef";
  const std::string b = "ffffffffffffffffffffffffffffff00";
  EXPECT_TRUE(flags.insert(a));
  EXPECT_FALSE(flags.insert(a));
  EXPECT_TRUE(flags.insert("doc-1"));
  EXPECT_TRUE(flags.Set(a, 1));
  EXPECT_FALSE(flags.Set(a, 1));  // already set: counted once
  EXPECT_TRUE(flags.Set(a, 2));
  EXPECT_TRUE(flags.Set("doc-1", 2));
  EXPECT_TRUE(flags.Set(b, 1));  // not yet a member: added with the flag
  EXPECT_EQ(flags.size(), 3u);
  EXPECT_TRUE(flags.contains(b));
  EXPECT_FALSE(flags.contains("doc-2"));
  EXPECT_EQ(flags.count(1), 2u);
  EXPECT_EQ(flags.count(2), 2u);
  EXPECT_EQ(flags.count(4), 0u);
  std::set<std::string> finished, segmented;
  flags.ForEach(1, [&](const std::string& id) { finished.insert(id); });
  flags.ForEach(2, [&](const std::string& id) { segmented.insert(id); });
  EXPECT_EQ(finished, (std::set<std::string>{a, b}));
  EXPECT_EQ(segmented, (std::set<std::string>{a, "doc-1"}));
}

TEST(DocFlagsTest, KeepsEveryMemberAsItsTableGrows) {
  DocFlags flags;
  std::set<std::string> all, odd;
  char id[33];
  for (int i = 0; i < 5000; ++i) {
    std::snprintf(id, sizeof(id), "%08x%024x", static_cast<unsigned>(i * 2654435761u), i);
    all.insert(id);
    EXPECT_TRUE(flags.insert(id));
    if (i % 2) {
      odd.insert(id);
      EXPECT_TRUE(flags.Set(id, 1));
    }
  }
  EXPECT_EQ(flags.size(), all.size());
  EXPECT_EQ(flags.count(1), odd.size());
  for (const auto& member : all) EXPECT_TRUE(flags.contains(member)) << member;
  EXPECT_FALSE(flags.contains("ffffffffffffffffffffffffffffffff"));
  std::set<std::string> visited;
  flags.ForEach(1, [&](const std::string& member) { visited.insert(member); });
  EXPECT_EQ(visited, odd);
}

}  // namespace
}  // namespace reportflow::ingest
