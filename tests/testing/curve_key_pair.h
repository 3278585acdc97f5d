// A fresh CURVE key pair (Z85 text), for tests that stand up CURVE peers.
#pragma once

#include <zmq.h>

#include <string>

#include <gtest/gtest.h>

namespace reportflow::testing {

struct CurveKeyPair {
  std::string public_key, secret_key;
};

inline CurveKeyPair NewCurveKeyPair() {
  char pub[41] = {}, sec[41] = {};
  EXPECT_EQ(zmq_curve_keypair(pub, sec), 0);
  return {pub, sec};
}

}  // namespace reportflow::testing
