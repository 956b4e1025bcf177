// annal --db DIR serve [--listen HOST:PORT] [--token-file F] [--allow-append]
// [--max-feeds N]: the HTTP API (server/, docs/http.md) until SIGINT or
// SIGTERM. Read-only unless --allow-append.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "common/numbers.h"
#include "server/server.h"
#include "tools/command.h"

namespace annal::cli {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  std::string token_file;
  bool allow_append = false;
  int64_t wait_for_ship_ms = 0;
  size_t max_feeds = 64;
  size_t max_client_connections = 64;
  std::vector<std::string> allow_hosts;
  int heartbeat_ms = 2000;
};

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::optional<std::string> ReadToken(const std::string& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string t = ss.str();
  const char* ws = " \t\r\n";
  t.erase(0, t.find_first_not_of(ws));
  t.erase(t.find_last_not_of(ws) + 1);
  return t;
}

int Serve(const Globals& g, const ServeFlags& f) {
  server::ServeOptions o;
  const size_t colon = f.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "annal serve: --listen must be HOST:PORT\n";
    return kUsage;
  }
  o.host = f.listen.substr(0, colon);
  if (o.host.size() > 2 && o.host.front() == '[' && o.host.back() == ']')
    o.host = o.host.substr(1, o.host.size() - 2);
  const auto listen_port = common::ParseDecimal(f.listen.substr(colon + 1), 0, 65535);
  o.port = listen_port ? static_cast<int>(*listen_port) : -1;
  if (!listen_port) {
    std::cerr << "annal serve: the port of --listen must be 0 to 65535\n";
    return kUsage;
  }
  if (!f.token_file.empty()) {
    o.token = ReadToken(f.token_file);
    if (!o.token || o.token->empty()) {
      std::cerr << "annal serve: cannot read a token from " << f.token_file << "\n";
      return kUsage;
    }
  }
  if (f.allow_append && !o.token && !IsLoopback(o.host)) {
    std::cerr << "annal serve: refusing to take appends on " << o.host
              << " without --token-file: anyone who reaches it could write\n";
    return kUsage;
  }
  o.allow_append = f.allow_append;
  o.max_feeds = f.max_feeds;
  o.max_client_connections = f.max_client_connections;
  o.allow_hosts = f.allow_hosts;
  o.heartbeat_ms = f.heartbeat_ms;

  // SIGINT and SIGTERM go to one thread, which stops the server; blocked
  // before any other thread starts, so that they all inherit the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // The access log (server/server.cc) is info: shown with -v only.
  spdlog::set_level(g.verbose ? spdlog::level::info : spdlog::level::warn);
  Options options;
  options.read_only = !f.allow_append;
  options.wait_for_ship_ms = f.wait_for_ship_ms;
  auto engine = OpenOrReport(g, options);
  server::ApiServer api(*engine, o);
  auto port = api.Bind();
  if (!port.ok()) {
    return Report("serve", port.status());
  }
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    api.Stop();
  });
  std::printf("listening on http://%s:%d\n", f.listen.substr(0, colon).c_str(), *port);
  if (std::fflush(stdout) != 0) {
    // Nobody can learn the address: serving on would be serving no one.
    std::cerr << "annal serve: cannot write to standard output: " << std::strerror(errno)
              << "\n";
    api.Stop();
    pthread_kill(watcher.native_handle(), SIGTERM);
    watcher.join();
    return kFailed;
  }
  Status st = api.Run();
  // Run returns on a signal (the watcher has stopped it) or on a failure:
  // wake the watcher in the second case.
  api.Stop();
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  if (!st.ok()) {
    return Report("serve", st);
  }
  return kOk;
}

}  // namespace

static Run AddServe(CLI::App& app, const Globals& g) {
  auto f = std::make_shared<ServeFlags>();
  auto* cmd = app.add_subcommand("serve", "serve the HTTP API and the dashboard page");
  cmd->add_option("--listen", f->listen, "HOST:PORT to listen on (port 0: any free one)");
  cmd->add_option("--token-file", f->token_file,
                  "require Authorization: Bearer <the file's content>");
  cmd->add_flag("--allow-append", f->allow_append, "take POST /v1/events");
  cmd->add_option("--wait-for-ship", f->wait_for_ship_ms,
                  "a POST answers 200 once `annal ship` has its events on the stream")
      ->check(Decimal(1, 3600000));
  cmd->add_option("--max-feeds", f->max_feeds, "concurrent change-feed clients at most")
      ->check(Decimal(1, 4096));
  cmd->add_option("--allow-host", f->allow_hosts,
                  "a name the Host header may give besides IP addresses and localhost "
                  "(repeatable)");
  cmd->add_option("--max-client-connections", f->max_client_connections,
                  "connections one client address may hold open at once")
      ->check(Decimal(1, 1024));
  cmd->add_option("--heartbeat-ms", f->heartbeat_ms,
                  "the feed's comment line after this long without an event")
      ->check(Decimal(100, 15000));
  return [&g, f] { return Serve(g, *f); };
}

ANNAL_COMMAND("serve", AddServe);

}  // namespace annal::cli
