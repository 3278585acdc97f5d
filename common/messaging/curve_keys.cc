#include "common/messaging/curve_keys.h"

#include <sys/stat.h>
#include <zmq.h>

#include <cstdio>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace reportflow::messaging {

bool IsTcpEndpoint(const std::string& endpoint) { return endpoint.rfind("tcp://", 0) == 0; }

Result<std::string> ReadZ85KeyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("security: cannot read key file " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  std::string key = buf.str();
  const auto first = key.find_first_not_of(" \t\r\n");
  const auto last = key.find_last_not_of(" \t\r\n");
  key = first == std::string::npos ? "" : key.substr(first, last - first + 1);
  uint8_t raw[32];
  if (key.size() != 40 || zmq_z85_decode(raw, key.c_str()) == nullptr) {
    return Status::InvalidArgument("security: " + path + " is not a Z85 CURVE key (40 characters, from reportflow keygen)");
  }
  return key;
}

namespace {

// A secret key must be private to its owner, as ssh and PostgreSQL insist: no
// bits for others, and none for the group unless root owns the file (0640 and
// 0440 root:group is how a Kubernetes secret volume with an fsGroup hands a
// key to the service user).
Status CheckSecretKeyMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::InvalidArgument("security: cannot read key file " + path);
  const mode_t forbidden = st.st_uid == 0 ? (S_IWGRP | S_IXGRP | S_IRWXO) : (S_IRWXG | S_IRWXO);
  if ((st.st_mode & forbidden) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument("security: the secret key file " + path + " is accessible by group or others (mode " +
                                   mode + "); make it private to its owner: chmod 600 " + path);
  }
  return Status::OK();
}

}  // namespace

Result<CurveKeys> LoadCurveKeys(const config::v1::Security& security) {
  if (!zmq_has("curve")) return Status::InvalidArgument("security: this libzmq was built without CURVE");
  if (security.key_file().empty()) return Status::InvalidArgument("security: mode curve needs key_file");
  CurveKeys keys;
  if (Status mode = CheckSecretKeyMode(security.key_file()); !mode.ok()) return mode;
  auto secret = ReadZ85KeyFile(security.key_file());
  if (!secret.ok()) return secret.status();
  keys.secret_key = *secret;
  char public_key[41] = {};
  if (zmq_curve_public(public_key, keys.secret_key.c_str()) != 0) {
    return Status::InvalidArgument("security: cannot derive the public key of " + security.key_file());
  }
  keys.public_key = public_key;
  if (!security.server_public_key_file().empty()) {
    auto server = ReadZ85KeyFile(security.server_public_key_file());
    if (!server.ok()) return server.status();
    keys.server_public_key = *server;
  }
  // Connect-only processes (workers) may not have the directory at all.
  if (!security.allowed_clients_dir().empty() && std::filesystem::is_directory(security.allowed_clients_dir())) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(security.allowed_clients_dir(), ec)) {
      if (entry.path().extension() != ".pub") continue;
      auto key = ReadZ85KeyFile(entry.path().string());
      if (!key.ok()) return key.status();
      keys.allowed.insert(*key);
    }
    if (ec) {
      return Status::InvalidArgument("security: cannot list allowed_clients_dir " + security.allowed_clients_dir() +
                                     ": " + ec.message());
    }
  }
  return keys;
}

}  // namespace reportflow::messaging
