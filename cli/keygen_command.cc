// `reportflow keygen --out DIR --name NAME [--force]`: writes a CURVE key pair
// made by zmq_curve_keypair as Z85 text: DIR/NAME.pub (public key, mode 0644)
// and DIR/NAME.key (secret key, mode 0600, created with that mode so it is
// never readable by others, not even briefly). Existing files are kept unless
// --force. Exit code: 0 on success, 1 when a file cannot be written, 2 on a
// usage error or when this libzmq was built without CURVE.
//
// The services read them through the `security` config section (key_file,
// server_public_key_file, allowed_clients_dir); see deploy/README.md.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"

namespace reportflow::cli {
namespace {

struct KeygenArgs {
  std::string out_dir = ".";
  std::string name;
  bool force = false;
};

// Writes `text` to `path` with permission bits `mode`, creating the file with
// those bits (O_EXCL unless `force`). Returns an empty string or an error.
std::string WriteKeyFile(const std::string& path, const std::string& text, mode_t mode, bool force) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  if (force) ::unlink(path.c_str());  // recreate, so the new mode applies; ENOENT is fine
  int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) return path + ": " + std::strerror(errno);
  std::string error;
  if (::fchmod(fd, mode) != 0) error = path + ": " + std::strerror(errno);
  size_t done = 0;
  while (error.empty() && done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = path + ": " + std::strerror(errno);
    else done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 && error.empty()) error = path + ": " + std::strerror(errno);
  return error;
}

int RunKeygen(const KeygenArgs& args) {
  if (args.name.empty() || args.name.find('/') != std::string::npos) {
    std::cerr << "reportflow keygen: --name must be a non-empty file name without '/'\n";
    return 2;
  }
  if (!zmq_has("curve")) {
    std::cerr << "reportflow keygen: this libzmq was built without CURVE support\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(args.out_dir, ec);
  if (ec) {
    std::cerr << "reportflow keygen: cannot create " << args.out_dir << ": " << ec.message() << "\n";
    return 1;
  }
  char public_z85[41] = {};
  char secret_z85[41] = {};
  if (zmq_curve_keypair(public_z85, secret_z85) != 0) {
    std::cerr << "reportflow keygen: zmq_curve_keypair failed: " << zmq_strerror(zmq_errno()) << "\n";
    return 1;
  }
  const std::string base = (std::filesystem::path(args.out_dir) / args.name).string();
  if (std::string e = WriteKeyFile(base + ".key", std::string(secret_z85) + "\n", 0600, args.force);
      !e.empty()) {
    std::cerr << "reportflow keygen: " << e << (args.force ? "" : " (use --force to replace)") << "\n";
    return 1;
  }
  if (std::string e = WriteKeyFile(base + ".pub", std::string(public_z85) + "\n", 0644, args.force);
      !e.empty()) {
    std::cerr << "reportflow keygen: " << e << (args.force ? "" : " (use --force to replace)") << "\n";
    return 1;
  }
  std::cout << "public key " << public_z85 << "\n"
            << "wrote " << base << ".pub and " << base << ".key (mode 0600)\n";
  return 0;
}

}  // namespace

void AddKeygenCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<KeygenArgs>();
  CLI::App* cmd = app.add_subcommand("keygen", "Write a CURVE key pair (NAME.pub, NAME.key) as Z85 text");
  cmd->add_option("--out", args->out_dir, "Directory for the key files (created if missing)");
  cmd->add_option("--name", args->name, "Base name of the key files")->required();
  cmd->add_flag("--force", args->force, "Replace existing key files");
  cmd->callback([args, exit_code] { *exit_code = RunKeygen(*args); });
}

}  // namespace reportflow::cli
