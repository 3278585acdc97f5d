// CurveKeys: the CURVE key material a process uses on tcp:// sockets, read
// from the files named in config.v1.Security (Z85 text as `reportflow keygen`
// writes them: NAME.key secret, NAME.pub public).
#pragma once

#include <set>
#include <string>

#include "common/base/result.h"
#include "reportflow/config/v1/config.pb.h"

namespace reportflow::messaging {

struct CurveKeys {
  std::string public_key;          // Z85, derived from the secret key
  std::string secret_key;          // Z85
  std::string server_public_key;   // Z85; empty if not configured (binding-only processes)
  std::set<std::string> allowed;   // Z85 client keys; empty if not configured (connect-only processes)
};

bool IsTcpEndpoint(const std::string& endpoint);

// Reads the keys named by `security` (mode "curve"). InvalidArgument names
// the file and what is wrong with it.
Result<CurveKeys> LoadCurveKeys(const config::v1::Security& security);

// Reads one Z85 key file (40 characters, surrounding whitespace ignored).
Result<std::string> ReadZ85KeyFile(const std::string& path);

}  // namespace reportflow::messaging
