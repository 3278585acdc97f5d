// `reportflow keygen`: the files hold a matching Z85 CURVE key pair, the
// secret is mode 0600, and existing keys are kept unless --force.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zmq.h>

#include <string>

#include "tests/testing/test_util.h"

namespace reportflow::testing {
namespace {

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

TEST(KeygenTest, WritesMatchingPairWithPrivateSecret) {
  ASSERT_TRUE(zmq_has("curve")) << "libzmq without CURVE";
  TempDir dir;
  std::string out;
  const std::string cmd = (BinDir() / "reportflow").string() + " keygen --out " + (dir / "keys").string() +
                          " --name worker";
  ASSERT_EQ(RunCommand(cmd, &out), 0) << out;
  const std::string pub = FirstLine(ReadFileOrDie(dir / "keys" / "worker.pub"));
  const std::string sec = FirstLine(ReadFileOrDie(dir / "keys" / "worker.key"));
  ASSERT_EQ(pub.size(), 40u);
  ASSERT_EQ(sec.size(), 40u);
  char derived[41] = {};
  ASSERT_EQ(zmq_curve_public(derived, sec.c_str()), 0);
  EXPECT_EQ(pub, std::string(derived));
  struct stat st {};
  ASSERT_EQ(::stat((dir / "keys" / "worker.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  EXPECT_NE(RunCommand(cmd + " 2>/dev/null", &out), 0);  // kept without --force
  EXPECT_EQ(FirstLine(ReadFileOrDie(dir / "keys" / "worker.key")), sec);
  ASSERT_EQ(RunCommand(cmd + " --force", &out), 0) << out;
  EXPECT_NE(FirstLine(ReadFileOrDie(dir / "keys" / "worker.key")), sec);
}

}  // namespace
}  // namespace reportflow::testing
