// The HTTP API of `annal serve` (docs/http.md): the projections, the log,
// the status, a Server-Sent Events change feed, appends (when allowed),
// Prometheus metrics and the dashboard page, over one Engine, with
// cpp-httplib. A layer over the public API (include/annal) only.
//
// Thread-safety: Run() blocks the calling thread and serves from a pool of
// worker threads; Stop() may be called from any thread (a signal watcher),
// and ends open feeds within a second. The Engine must outlive the server.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "annal/engine.h"

namespace annal::server {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                   // 0: any free port
  std::optional<std::string> token;  // required as a Bearer token when set
  bool allow_append = false;
  size_t max_feeds = 64;
  // Names besides the listening host, IP literals and `localhost` that the
  // Host header may give (a server behind a name: --allow-host).
  std::vector<std::string> allow_hosts;
  size_t max_client_connections = 64;  // open at once from one address
  int heartbeat_ms = 2000;             // the feed's comment line when nothing happens
};

class ApiServer {
 public:
  ApiServer(Engine& engine, ServeOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds the listening socket: the port bound (options.port, or the free
  // one picked for 0), or an error naming the address.
  Result<int> Bind();
  // Serves until Stop(). Returns an error if the server could not listen.
  Status Run();
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace annal::server
