// GuardedHttp's connection loop and the socket stream it serves requests
// over. httplib's own (detail::SocketStream) waits per recv only, so a client
// sending a byte just inside each timeout held a worker for ever, and it
// cannot see the server stopping.
#include "server/guarded_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "server/json.h"

namespace annal::server {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kSlice = std::chrono::milliseconds(100);

std::string Address(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
  }
  return text;
}

int Port(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return -1;
}

// One connection's socket, with a read buffer (httplib reads headers a byte
// at a time), a deadline for each request's head, and waits that end when
// the server stops.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int sock, const std::atomic<bool>& stopping, const ConnectionLimits& l)
      : sock_(sock), stopping_(stopping), limits_(l) {}

  void StartRequest() { head_deadline_ = Clock::now() + limits_.head_timeout; }
  void EndHead() { head_deadline_.reset(); }
  bool HasBuffered() const { return pos_ < end_; }
  // Whether a request's head took longer than its deadline (the connection
  // is then closed: what follows cannot be told apart from garbage).
  bool HeadExpired() const { return head_expired_; }

  // Whether bytes arrive within `timeout` (and the head's deadline); false
  // when the peer closed, the server stops, or time ran out.
  bool WaitReadable(std::chrono::milliseconds timeout) const {
    if (HasBuffered()) return true;
    auto until = Clock::now() + timeout;
    if (head_deadline_) until = std::min(until, *head_deadline_);
    if (Wait(POLLIN, until)) return true;
    if (head_deadline_ && Clock::now() >= *head_deadline_) head_expired_ = true;
    return false;
  }

  bool is_readable() const override { return WaitReadable(limits_.read_timeout); }
  bool is_writable() const override {
    return Wait(POLLOUT, Clock::now() + limits_.write_timeout);
  }

  ssize_t read(char* ptr, size_t size) override {
    if (!HasBuffered()) {
      if (!WaitReadable(limits_.read_timeout)) return -1;
      ssize_t n;
      do n = ::recv(sock_, buf_, sizeof buf_, 0);
      while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      pos_ = 0;
      end_ = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, end_ - pos_);
    std::memcpy(ptr, buf_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    EndpointOf(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    EndpointOf(::getsockname, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  // The address and port `name` (getpeername or getsockname) gives.
  void EndpointOf(int (*name)(int, sockaddr*, socklen_t*), std::string& ip,
                  int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (name(sock_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    ip = Address(addr);
    port = Port(addr);
  }

  bool Wait(short events, Clock::time_point until) const {
    for (;;) {
      if (stopping_.load(std::memory_order_relaxed)) return false;
      const auto now = Clock::now();
      if (now >= until) return false;
      const auto slice = std::min<Clock::duration>(kSlice, until - now);
      pollfd p{sock_, events, 0};
      const int ms =
          static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(slice).count());
      const int r = ::poll(&p, 1, ms);
      if (r < 0 && errno != EINTR) return false;
      if (r > 0) return (p.revents & (events | POLLHUP)) != 0 && !(p.revents & POLLNVAL);
    }
  }

  const int sock_;
  const std::atomic<bool>& stopping_;
  const ConnectionLimits& limits_;
  std::optional<Clock::time_point> head_deadline_;
  mutable bool head_expired_ = false;
  char buf_[4096];
  size_t pos_ = 0, end_ = 0;
};

thread_local ConnectionStream* serving = nullptr;

void RefuseBusy(int sock) {
  const std::string body =
      ErrorJson("too many connections from this address; try again later");
  const std::string answer =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  (void)::send(sock, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

GuardedHttp::GuardedHttp(const std::atomic<bool>& stopping, ConnectionLimits limits)
    : stopping_(stopping), limits_(limits) {
  // SO_REUSEADDR (rebinding over TIME_WAIT) but not SO_REUSEPORT: a port in
  // use by another listener is refused.
  set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
}

void GuardedHttp::HeadRead() {
  if (serving) serving->EndHead();
}

bool GuardedHttp::Admit(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t& open = open_by_client_[client];
  if (open >= limits_.per_client) return false;
  ++open;
  return true;
}

void GuardedHttp::Release(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_by_client_.find(client);
  if (it != open_by_client_.end() && --it->second == 0) open_by_client_.erase(it);
}

bool GuardedHttp::process_and_close_socket(socket_t sock) {
  ConnectionStream stream(sock, stopping_, limits_);
  std::string client;
  int port = 0;
  stream.get_remote_ip_and_port(client, port);
  bool ok = false;
  if (!Admit(client)) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    RefuseBusy(sock);
  } else {
    serving = &stream;
    for (size_t left = keep_alive_max_count_; left > 0; --left) {
      if (svr_sock_ == INVALID_SOCKET || !stream.WaitReadable(limits_.keep_alive_timeout))
        break;
      stream.StartRequest();
      bool closed = false;
      ok = process_request(stream, left == 1, closed, nullptr);
      if (!ok || closed || stream.HeadExpired()) break;
      stream.EndHead();
    }
    serving = nullptr;
    Release(client);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace annal::server
