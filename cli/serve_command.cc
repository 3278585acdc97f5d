// `reportflow serve --data DIR`: the read-only HTTP query API of a data
// directory (cli/query_api.h, docs/openapi.yaml) on cpp-httplib, on loopback
// unless --listen says otherwise. JSON responses carry an ETag; a request
// whose If-None-Match names it gets 304 without a body. Stops cleanly on
// SIGINT or SIGTERM. Never writes to the stores.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/exit_codes.h"
#include "cli/query_api.h"
#include "cli/report_reader.h"

namespace reportflow::cli {
namespace {

struct ServeArgs {
  std::string data_dir;
  std::string listen = "127.0.0.1";
  int port = 8765;
  int threads = 4;
};

bool TagMatches(const std::string& if_none_match, const std::string& tag) {
  if (if_none_match == "*") return true;
  // A comma-separated list of tags, weak ones (W/"...") compared by their opaque part.
  size_t pos = 0;
  while (pos < if_none_match.size()) {
    size_t end = if_none_match.find(',', pos);
    if (end == std::string::npos) end = if_none_match.size();
    std::string t = if_none_match.substr(pos, end - pos);
    t.erase(0, t.find_first_not_of(" \t"));
    t.erase(t.find_last_not_of(" \t") + 1);
    if (t.rfind("W/", 0) == 0) t = t.substr(2);
    if (t == tag) return true;
    pos = end + 1;
  }
  return false;
}

int Serve(const ServeArgs& args) {
  // SIGINT/SIGTERM are taken by a waiting thread (blocked in every other
  // one: the server's and RocksDB's background threads, so this comes first).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  if (auto reader = DataReader::Open(args.data_dir); !reader.ok()) {
    std::cerr << "reportflow serve: " << reader.status().message() << "\n";
    return kExitUsage;
  }
  if (args.port < 0 || args.port > 65535 || args.threads < 1) {
    std::cerr << "reportflow serve: --port must be 0..65535 (0: any free port) and --threads >= 1\n";
    return kExitUsage;
  }

  httplib::Server server;
  const int threads = args.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  const std::string data_dir = args.data_dir;
  server.Get(".*", [data_dir](const httplib::Request& req, httplib::Response& res) {
    std::multimap<std::string, std::string> params(req.params.begin(), req.params.end());
    QueryResponse answer = HandleQuery(data_dir, req.path, params, &RenderDataDirReport);
    if (answer.status == 200) {
      const std::string tag = EntityTag(answer.body);
      res.set_header("ETag", tag);
      res.set_header("Cache-Control", "no-cache");
      if (req.has_header("If-None-Match") && TagMatches(req.get_header_value("If-None-Match"), tag)) {
        res.status = 304;
        return;
      }
    }
    res.status = answer.status;
    res.set_content(answer.body, answer.content_type);
  });
  const int port = args.port == 0 ? server.bind_to_any_port(args.listen)
                                  : (server.bind_to_port(args.listen, args.port) ? args.port : -1);
  if (port < 0) {
    std::cerr << "reportflow serve: cannot listen on " << args.listen << ":" << args.port << "\n";
    return kExitFailure;
  }
  std::cout << "reportflow serve: http://" << args.listen << ":" << port << "/ (data " << args.data_dir
            << "; /v1/documents, /v1/metrics, /v1/rollups, /v1/regions, /report)" << std::endl;
  std::thread waiter([&server, &stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  const bool ok = server.listen_after_bind();
  pthread_kill(waiter.native_handle(), SIGTERM);  // ends the waiter if the server stopped on its own
  waiter.join();
  return ok ? kExitOk : kExitFailure;
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd =
      app.add_subcommand("serve", "answer read-only HTTP queries on a data directory (documents, metrics, rollups, "
                                  "regions, the HTML report; docs/openapi.yaml)");
  cmd->add_option("--data,-d", args->data_dir, "data directory")->required();
  cmd->add_option("--listen", args->listen,
                  "address to listen on (default loopback only; 0.0.0.0 for every interface, e.g. in a container)")
      ->capture_default_str();
  cmd->add_option("--port,-p", args->port, "port (0: any free port, printed on start)")->capture_default_str();
  cmd->add_option("--threads", args->threads, "requests answered at once")->capture_default_str();
  cmd->callback([args, exit_code] { *exit_code = Serve(*args); });
}

}  // namespace reportflow::cli
