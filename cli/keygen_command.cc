// `reportflow keygen --out DIR --name NAME [--force]`: writes a CURVE key pair
// made by zmq_curve_keypair as Z85 text: DIR/NAME.pub (public key, mode 0644)
// and DIR/NAME.key (secret key, mode 0600, created with that mode so it is
// never readable by others, not even briefly). Existing files are kept unless
// --force. Exit code: 0 on success, 1 when a file cannot be written, 2 on a
// usage error or when this libzmq was built without CURVE.
//
// `reportflow keygen --cluster DIR [--services ingest,aggregate]
// [--clients segment,extract,operator] [--namespace reportflow] [--force]`:
// every key of a deployment in one command:
//   DIR/server.{key,pub}         the stable services' pair (they share it: a
//                                client checks one server_public_key_file)
//   DIR/<client>.{key,pub}       one pair per client
//   DIR/clients/*.pub            the allow-list (allowed_clients_dir): every
//                                client and the server (aggregate connects to
//                                ingest's acks, ingest to aggregate's input)
//   DIR/kubernetes/secret.yaml   Secrets reportflow-curve (every key) and
//                                reportflow-curve-clients (the allow-list), as
//                                deploy/kubernetes/base mounts them
//   DIR/compose.env              REPORTFLOW_KEYS=DIR for deploy/docker/compose.yaml
// Nothing is written if any of these exists, unless --force.
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
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace reportflow::cli {
namespace {

struct KeygenArgs {
  std::string out_dir = ".";
  std::string name;
  bool force = false;
  std::string cluster;  // --cluster DIR
  std::string services = "ingest,aggregate";
  std::string clients = "segment,extract,operator";
  std::string name_space = "reportflow";
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

struct KeyPair {
  std::string public_z85, secret_z85;
};

// A fresh pair; an empty public key and `error` set when libzmq cannot make one.
KeyPair NewPair(std::string* error) {
  char public_z85[41] = {};
  char secret_z85[41] = {};
  if (zmq_curve_keypair(public_z85, secret_z85) != 0) {
    *error = std::string("zmq_curve_keypair failed: ") + zmq_strerror(zmq_errno());
    return {};
  }
  return {public_z85, secret_z85};
}

// DIR/NAME.key (0600) and DIR/NAME.pub (0644); an error message or "".
std::string WritePair(const std::string& dir, const std::string& name, const KeyPair& pair, bool force) {
  const std::string base = (std::filesystem::path(dir) / name).string();
  if (std::string e = WriteKeyFile(base + ".key", pair.secret_z85 + "\n", 0600, force); !e.empty()) return e;
  return WriteKeyFile(base + ".pub", pair.public_z85 + "\n", 0644, force);
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
  std::string error;
  const KeyPair pair = NewPair(&error);
  if (!error.empty()) {
    std::cerr << "reportflow keygen: " << error << "\n";
    return 1;
  }
  const std::string base = (std::filesystem::path(args.out_dir) / args.name).string();
  if (std::string e = WritePair(args.out_dir, args.name, pair, args.force); !e.empty()) {
    std::cerr << "reportflow keygen: " << e << (args.force ? "" : " (use --force to replace)") << "\n";
    return 1;
  }
  std::cout << "public key " << pair.public_z85 << "\n"
            << "wrote " << base << ".pub and " << base << ".key (mode 0600)\n";
  return 0;
}

std::vector<std::string> SplitNames(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Names become file names and Secret keys: [a-z0-9-], not empty.
bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// A Secret with each (file name, content) pair in stringData; Z85 has neither
// '"' nor a backslash, so a double-quoted YAML string holds any key verbatim.
std::string SecretYaml(const std::string& name, const std::string& name_space, const std::string& comment,
                       const std::vector<std::pair<std::string, std::string>>& files) {
  std::string y = comment + "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name + "\n  namespace: " + name_space +
                  "\n  labels: {app: reportflow}\ntype: Opaque\nstringData:\n";
  for (const auto& [file, content] : files) y += "  " + file + ": \"" + content + "\\n\"\n";
  return y;
}

int RunCluster(const KeygenArgs& args) {
  const std::vector<std::string> services = SplitNames(args.services);
  const std::vector<std::string> clients = SplitNames(args.clients);
  std::set<std::string> seen = {"server"};
  for (const auto& n : services) {
    if (!ValidName(n)) {
      std::cerr << "reportflow keygen: --services: '" << n << "' is not a name of [a-z0-9-]\n";
      return 2;
    }
  }
  for (const auto& n : clients) {
    if (!ValidName(n) || !seen.insert(n).second) {
      std::cerr << "reportflow keygen: --clients: '" << n
                << "' must be a name of [a-z0-9-], listed once and not \"server\" (the services' own pair)\n";
      return 2;
    }
  }
  if (services.empty() || clients.empty()) {
    std::cerr << "reportflow keygen: --cluster needs at least one of --services and one of --clients\n";
    return 2;
  }
  if (!ValidName(args.name_space)) {
    std::cerr << "reportflow keygen: --namespace must be a Kubernetes name ([a-z0-9-])\n";
    return 2;
  }
  if (!zmq_has("curve")) {
    std::cerr << "reportflow keygen: this libzmq was built without CURVE support\n";
    return 2;
  }
  namespace fs = std::filesystem;
  const fs::path dir(args.cluster);
  std::vector<std::string> names = {"server"};
  names.insert(names.end(), clients.begin(), clients.end());
  std::vector<fs::path> outputs = {dir / "kubernetes" / "secret.yaml", dir / "compose.env"};
  for (const auto& n : names) {
    outputs.push_back(dir / (n + ".key"));
    outputs.push_back(dir / (n + ".pub"));
    outputs.push_back(dir / "clients" / (n + ".pub"));
  }
  if (!args.force) {
    for (const auto& p : outputs) {
      if (fs::exists(p)) {
        std::cerr << "reportflow keygen: " << p.string() << " exists; nothing written (use --force to replace)\n";
        return 1;
      }
    }
  }
  std::error_code ec;
  for (const fs::path& d : {dir, dir / "clients", dir / "kubernetes"}) {
    fs::create_directories(d, ec);
    if (ec) {
      std::cerr << "reportflow keygen: cannot create " << d.string() << ": " << ec.message() << "\n";
      return 1;
    }
  }
  std::vector<std::pair<std::string, std::string>> keys, allowed;
  for (const auto& n : names) {
    std::string error;
    const KeyPair pair = NewPair(&error);
    if (error.empty()) error = WritePair(dir.string(), n, pair, true);
    if (error.empty()) error = WriteKeyFile((dir / "clients" / (n + ".pub")).string(), pair.public_z85 + "\n", 0644, true);
    if (!error.empty()) {
      std::cerr << "reportflow keygen: " << error << "\n";
      return 1;
    }
    keys.emplace_back(n + ".key", pair.secret_z85);
    keys.emplace_back(n + ".pub", pair.public_z85);
    allowed.emplace_back(n + ".pub", pair.public_z85);
  }
  std::string services_list;
  for (const auto& n : services) services_list += (services_list.empty() ? "" : ", ") + n;
  const std::string secret =
      SecretYaml("reportflow-curve", args.name_space,
                 "# Written by `reportflow keygen --cluster`: every CURVE key pair of the deployment.\n"
                 "# server.* is the pair of " + services_list + "; each other pair is one client's.\n"
                 "# Apply it before the workloads: kubectl apply -f secret.yaml\n",
                 keys) +
      "---\n" +
      SecretYaml("reportflow-curve-clients", args.name_space,
                 "# The allow-list of the stable services (security.allowed_clients_dir): public keys only.\n",
                 allowed);
  // Mode 0600: the file holds secret keys.
  if (std::string e = WriteKeyFile((dir / "kubernetes" / "secret.yaml").string(), secret, 0600, true); !e.empty()) {
    std::cerr << "reportflow keygen: " << e << "\n";
    return 1;
  }
  const std::string abs = fs::absolute(dir).lexically_normal().string();
  const std::string env = "# docker compose --env-file " + abs + "/compose.env -f deploy/docker/compose.yaml up -d\n"
                          "REPORTFLOW_KEYS=" + abs + "\n";
  if (std::string e = WriteKeyFile((dir / "compose.env").string(), env, 0644, true); !e.empty()) {
    std::cerr << "reportflow keygen: " << e << "\n";
    return 1;
  }
  std::cout << "wrote " << names.size() << " key pairs in " << dir.string() << ":\n"
            << "  server.key/.pub   " << services_list << " (the stable services share one pair)\n";
  for (const auto& n : clients) std::cout << "  " << n << ".key/.pub\n";
  std::cout << "  clients/          allow-list: " << names.size() << " public keys\n"
            << "  kubernetes/secret.yaml  kubectl apply -f " << (dir / "kubernetes" / "secret.yaml").string() << "\n"
            << "  compose.env       docker compose --env-file " << (dir / "compose.env").string()
            << " -f deploy/docker/compose.yaml up -d\n"
            << "The containers run as uid 10001: for compose, make the key files readable to it "
               "(sudo chown -R 10001:10001 " << dir.string() << ").\n";
  return 0;
}

}  // namespace

void AddKeygenCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<KeygenArgs>();
  CLI::App* cmd = app.add_subcommand(
      "keygen", "Write a CURVE key pair (NAME.pub, NAME.key) as Z85 text, or with --cluster every key of a deployment");
  cmd->add_option("--out", args->out_dir, "Directory for the key files (created if missing)");
  auto* name = cmd->add_option("--name", args->name, "Base name of the key files");
  auto* cluster = cmd->add_option("--cluster", args->cluster,
                                  "Write every key pair, the allow-list, a Kubernetes Secret manifest and a compose env "
                                  "file into this directory");
  cmd->add_option("--services", args->services, "--cluster: the stable services, sharing the server pair")
      ->capture_default_str();
  cmd->add_option("--clients", args->clients, "--cluster: one key pair per client name")->capture_default_str();
  cmd->add_option("--namespace", args->name_space, "--cluster: Kubernetes namespace of the Secrets")
      ->capture_default_str();
  name->excludes(cluster);
  cmd->add_flag("--force", args->force, "Replace existing key files");
  cmd->callback([args, exit_code, name, cluster] {
    if (cluster->count() == 0 && name->count() == 0) {
      std::cerr << "reportflow keygen: give --name NAME (one pair) or --cluster DIR (every key of a deployment)\n";
      *exit_code = 2;
      return;
    }
    *exit_code = cluster->count() ? RunCluster(*args) : RunKeygen(*args);
  });
}

}  // namespace reportflow::cli
