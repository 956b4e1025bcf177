// ApiServer::Impl, shared by the server's files: the routes (routes.cc),
// the feed (feed.cc), appends (append_route.cc), metrics (metrics.cc).
#pragma once

#ifndef CPPHTTPLIB_USE_POLL
#define CPPHTTPLIB_USE_POLL  // (also set by CMake; poll, not select: no FD_SETSIZE limit)
#endif
#include <httplib.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "server/guarded_http.h"
#include "server/server.h"

namespace annal::server {

// The largest request body (POST /v1/events), and what a larger one is told
// (413), by httplib's limit or by the append route's own count.
inline constexpr size_t kMaxBody = size_t{16} << 20;
inline const std::string kBodyTooLarge =
    "the body is larger than " + std::to_string(kMaxBody) + " bytes";

// Thrown by a handler, answered as {"error": message} with `status`.
struct HttpError : std::runtime_error {
  HttpError(int s, const std::string& message) : std::runtime_error(message), status(s) {}
  int status;
};

// The HTTP status of an engine error: the server's one mapping
// (docs/http.md): kInvalidInput 400, kRejected 422, kBusy 503, any other 500.
int HttpStatusOf(const annal::Status& st);

// The value of a Result, or an HttpError with its status's mapping.
template <class T>
T Must(Result<T> r) {
  if (!r.ok()) throw HttpError(HttpStatusOf(r.status()), r.status().ToString());
  return std::move(r.value());
}

// The paths served, each with its methods.
struct Endpoint {
  std::string_view path;  // exact, or a prefix ending in '/'
  std::string_view methods;
  // A prefix's rest: one segment, or (history's KIND/ID, an ID may hold
  // '/') any number.
  bool segments = false;
};
const Endpoint* FindEndpoint(const std::string& path);
bool EndpointAllows(const Endpoint& e, const std::string& method);

// `bytes` with control bytes, bytes past ASCII and '\\' as \xHH: safe in a
// log line and in JSON (a path may hold anything percent-encoded).
std::string Printable(std::string_view bytes);

// Recent views of time travel, so that paging through a past state does not
// replay the log for every page. Each view is used by one request at a time.
class AsOfCache {
 public:
  struct View {
    std::mutex in_use;
    std::optional<Snapshot> snapshot;
  };
  std::shared_ptr<View> Get(const Engine& engine, uint64_t seq);

 private:
  static constexpr size_t kViews = 4;
  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<View>> views_;
  std::map<uint64_t, uint64_t> last_used_;
  uint64_t clock_ = 0;
};

struct ApiServer::Impl {
  Impl(Engine& e, ServeOptions o);

  Engine& engine;
  const ServeOptions options;
  std::atomic<bool> stopping{false};
  // Inside Run(): httplib's stop() before its listen loop begins is lost,
  // so Stop() repeats it until Run() has returned (server.cc).
  std::atomic<bool> running{false};
  GuardedHttp http;
  std::atomic<size_t> feed_clients{0};
  AsOfCache as_of_cache;

  std::mutex codes_mu;
  std::map<int, uint64_t> answers_by_code;  // annal_http_requests_total{code}

  // Sets up `http`: Tune (limits, workers), then Handle (the checks before
  // routing, the routes), AnswerErrorsAsJson, LogAccesses.
  void Route();
  void Tune();
  void Handle();
  void AnswerErrorsAsJson();
  void LogAccesses();
  // Whether `req` may go on: the token, when one is required.
  bool Authorized(const httplib::Request& req) const;
  // Whether the Host header names this server (DNS rebinding, docs/security.md).
  bool HostAllowed(const httplib::Request& req) const;
  // Whether a state-changing request comes from this server's own origin.
  bool SameOrigin(const httplib::Request& req) const;
  // Refuses what no route should see (421, 401, 404, 405, 403, 415, 400).
  bool Refused(const httplib::Request& req, httplib::Response& res) const;

  // The routes' bodies (each may throw HttpError).
  void Projection(const httplib::Request& req, httplib::Response& res);
  // A projection of your own's table (annal/projection.h), paged.
  void DeclaredTable(const std::string& name, const httplib::Request& req,
                     httplib::Response& res);
  // The projections, built-in and declared, with their tables' columns.
  void Projections(const httplib::Request& req, httplib::Response& res);
  void Status(const httplib::Request& req, httplib::Response& res);
  // The event types of your own declared in the store (docs/events.md).
  void EventTypes(const httplib::Request& req, httplib::Response& res);
  void Events(const httplib::Request& req, httplib::Response& res);
  void History(const httplib::Request& req, httplib::Response& res);
  void Series(const httplib::Request& req, httplib::Response& res);
  void Feed(const httplib::Request& req, httplib::Response& res);
  // One step of an open feed: an event, a heartbeat, or nothing after a
  // short wait; false ends it.
  struct FeedState;
  bool FeedStep(FeedState& state, httplib::DataSink& sink);
  void Append(const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader& body);
  void Metrics(const httplib::Request& req, httplib::Response& res);
  void Page(const httplib::Request& req, httplib::Response& res);
  void ChartJs(const httplib::Request& req, httplib::Response& res);

  // A fresh read view, or 503/500 naming why not.
  Snapshot Read() const;
};

// The dashboard page, embedded at build time (server/page/index.html).
extern const char kDashboardPage[];
extern const char kChartJs[];  // Debian's Chart.js (libjs-chart.js), for the page

}  // namespace annal::server
