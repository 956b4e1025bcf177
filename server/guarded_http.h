// GuardedHttp: cpp-httplib's server with the connection handling annal needs
// against slow or greedy clients (docs/security.md):
//   - a cap on the connections one client address holds at once (past it the
//     connection is answered 503 and closed before anything is read);
//   - a deadline for a request's head (request line and headers), so that a
//     client dripping a header line at a time cannot hold a worker;
//   - every wait for the client ends within 100 ms of Stop(), so that
//     shutdown never waits on a client;
//   - the listening socket without SO_REUSEPORT (httplib's default sets it,
//     which let a second server share the port and split the requests).
//
// Thread-safety: as httplib::Server; Stop() from any thread. HeadRead() is
// called on the worker thread serving the request (the pre-routing handler).
#pragma once

#ifndef CPPHTTPLIB_USE_POLL
#define CPPHTTPLIB_USE_POLL
#endif
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace annal::server {

struct ConnectionLimits {
  size_t per_client = 64;                              // open connections per address
  std::chrono::milliseconds head_timeout{10000};       // request line and headers
  std::chrono::milliseconds read_timeout{5000};        // silence while reading a body
  std::chrono::milliseconds write_timeout{5000};       // a client that reads nothing
  std::chrono::milliseconds keep_alive_timeout{2000};  // idle between requests
};

class GuardedHttp : public httplib::Server {
 public:
  GuardedHttp(const std::atomic<bool>& stopping, ConnectionLimits limits);

  // Ends the head deadline of the request being served on this thread: its
  // headers are in (called once routing begins).
  static void HeadRead();
  // Connections refused for their client's cap since the start.
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool Admit(const std::string& client);
  void Release(const std::string& client);

  const std::atomic<bool>& stopping_;
  const ConnectionLimits limits_;
  std::mutex mu_;
  std::map<std::string, size_t> open_by_client_;
  std::atomic<uint64_t> refused_{0};
};

}  // namespace annal::server
