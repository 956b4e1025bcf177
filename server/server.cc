// ApiServer: routing, the token, errors as JSON, the access log, and the
// worker pool. The routes themselves are in routes.cc, feed.cc,
// append_route.cc and metrics.cc.
#include <openssl/crypto.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "server/json.h"
#include "server/server_impl.h"

namespace annal::server {
namespace {

constexpr std::array<Endpoint, 11> kEndpoints = {{
    {"/", "GET"},
    {"/chart.js", "GET"},
    {"/v1/projections", "GET"},
    {"/v1/projections/", "GET"},
    {"/v1/status", "GET"},
    {"/v1/event-types", "GET"},
    {"/v1/events", "GET POST"},
    {"/v1/history/", "GET", true},
    {"/v1/series/", "GET"},
    {"/v1/feed", "GET"},
    {"/metrics", "GET"},
}};

}  // namespace

const Endpoint* FindEndpoint(const std::string& path) {
  for (const Endpoint& e : kEndpoints) {
    if (e.path == path) return &e;
    if (e.path.size() > 1 && e.path.back() == '/' && path.size() > e.path.size() &&
        path.compare(0, e.path.size(), e.path) == 0 &&
        (e.segments || path.find('/', e.path.size()) == std::string::npos)) {
      return &e;
    }
  }
  return nullptr;
}

bool EndpointAllows(const Endpoint& e, const std::string& method) {
  const std::string m = method == "HEAD" ? "GET" : method;
  size_t at = e.methods.find(m);
  return at != std::string_view::npos &&
         (at + m.size() == e.methods.size() || e.methods[at + m.size()] == ' ');
}

namespace {

// The access log: to stderr (stdout carries the listening line), at info,
// so shown only when the level allows (`annal -v serve`).
spdlog::logger& AccessLog() {
  static std::shared_ptr<spdlog::logger> log = [] {
    auto existing = spdlog::get("annal.http");
    return existing ? existing : spdlog::stderr_logger_mt("annal.http");
  }();
  return *log;
}

bool ConstantTimeEqual(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void Answer(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(ErrorJson(message), "application/json");
}

// Runs a route's body; what it throws becomes a JSON error.
template <class F>
void Guarded(httplib::Response& res, F&& body) {
  try {
    body();
  } catch (const HttpError& e) {
    Answer(res, e.status, e.what());
  } catch (const std::exception& e) {
    Answer(res, 500, std::string("internal error: ") + e.what());
  }
}

}  // namespace

int HttpStatusOf(const annal::Status& st) {
  switch (st.code()) {
    case annal::Status::Code::kInvalidInput:
      return 400;
    case annal::Status::Code::kRejected:
      return 422;
    case annal::Status::Code::kBusy:
      return 503;
    default:
      return 500;
  }
}

Snapshot ApiServer::Impl::Read() const { return Must(engine.Read()); }

bool ApiServer::Impl::Authorized(const httplib::Request& req) const {
  if (!options.token) return true;
  // The page and its script: a browser fetches them before it has a token.
  if ((req.path == "/" || req.path == "/chart.js") &&
      (req.method == "GET" || req.method == "HEAD"))
    return true;
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() > kScheme.size()) {
    bool scheme = true;
    for (size_t i = 0; i < kScheme.size(); ++i)
      scheme =
          scheme && std::tolower(static_cast<unsigned char>(header[i])) == kScheme[i];
    if (scheme && ConstantTimeEqual(header.substr(kScheme.size()), *options.token))
      return true;
  }
  // A browser's EventSource cannot send headers: the feed takes the token
  // as a parameter too.
  if (req.path == "/v1/feed" && req.get_param_value_count("access_token") == 1 &&
      ConstantTimeEqual(req.get_param_value("access_token"), *options.token)) {
    return true;
  }
  return false;
}

void ApiServer::Impl::Route() {
  Tune();
  Handle();
  AnswerErrorsAsJson();
  LogAccesses();
}

void ApiServer::Impl::Tune() {
  http.set_payload_max_length(kMaxBody);
  http.set_keep_alive_timeout(2);
  http.set_keep_alive_max_count(1000);
  // Small answers on kept-alive connections: without it Nagle and delayed
  // ACKs hold each one about 40 ms.
  http.set_tcp_nodelay(true);
  // Twice one client's cap: another client always finds workers free.
  const size_t workers = options.max_feeds + 2 * options.max_client_connections;
  http.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
}

void ApiServer::Impl::Handle() {
  // Before routing: what no handler may see (server/checks.cc), with 421
  // and 401 before 404 and 405. The head is in: its deadline ends here.
  http.set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        GuardedHttp::HeadRead();
        return Refused(req, res) ? httplib::Server::HandlerResponse::Handled
                                 : httplib::Server::HandlerResponse::Unhandled;
      });

  auto route = [this](auto member) {
    return [this, member](const httplib::Request& req, httplib::Response& res) {
      Guarded(res, [&] { (this->*member)(req, res); });
    };
  };
  http.Get("/", route(&Impl::Page));
  http.Get("/chart.js", route(&Impl::ChartJs));
  http.Get("/v1/projections", route(&Impl::Projections));
  http.Get(R"(/v1/projections/([^/]+))", route(&Impl::Projection));
  http.Get("/v1/status", route(&Impl::Status));
  http.Get("/v1/event-types", route(&Impl::EventTypes));
  http.Get("/v1/events", route(&Impl::Events));
  http.Get("/v1/feed", route(&Impl::Feed));
  http.Get(R"(/v1/history/([^/]+)/(.+))", route(&Impl::History));
  http.Get(R"(/v1/series/([^/]+))", route(&Impl::Series));
  http.Get("/metrics", route(&Impl::Metrics));
  http.Post("/v1/events", [this](const httplib::Request& req, httplib::Response& res,
                                 const httplib::ContentReader& body) {
    Guarded(res, [&] { Append(req, res, body); });
  });
}

void ApiServer::Impl::AnswerErrorsAsJson() {
  // Errors httplib answers itself (413, 400 for a malformed request line,
  // 414) get a JSON body like ours.
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message = "the request could not be served";
    if (res.status == 400) message = "malformed request";
    if (res.status == 413) message = kBodyTooLarge;
    if (res.status == 414) message = "the request's URI is too long";
    res.set_content(ErrorJson(message), "application/json");
  });
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          Answer(res, 500, std::string("internal error: ") + e.what());
        } catch (...) {
          Answer(res, 500, "internal error");
        }
      });
}

void ApiServer::Impl::LogAccesses() {
  // The access log: the path without its query (which may hold a token).
  // Answers are counted by it too, after they are written: a scrape may see
  // the count of an answer its client already has a moment later.
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(codes_mu);
      ++answers_by_code[res.status];
    }
    // Escaped: a path could otherwise forge log lines or send terminal codes.
    AccessLog().info("{} {} {} {}", req.remote_addr, Printable(req.method),
                     Printable(req.path), res.status);
  });
}

ApiServer::Impl::Impl(Engine& e, ServeOptions o)
    : engine(e),
      options(std::move(o)),
      http(stopping, ConnectionLimits{.per_client = options.max_client_connections}) {}

ApiServer::ApiServer(Engine& engine, ServeOptions options)
    : impl_(std::make_unique<Impl>(engine, std::move(options))) {
  impl_->Route();
}

ApiServer::~ApiServer() { Stop(); }

Result<int> ApiServer::Bind() {
  const auto& o = impl_->options;
  int port = o.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(o.host);
    if (port < 0) port = 0;
  } else if (!impl_->http.bind_to_port(o.host, port)) {
    port = 0;
  }
  if (port <= 0) {
    return annal::Status::IOError("cannot listen on " + o.host + ":" +
                                  std::to_string(o.port) + ": " + std::strerror(errno));
  }
  return port;
}

annal::Status ApiServer::Run() {
  // `running` first, `stopping` second, and the reverse in Stop(): one of
  // the two sees the other, so a Stop() racing this start is never lost.
  impl_->running.store(true);
  const bool listened = !impl_->stopping.load() && impl_->http.listen_after_bind();
  impl_->running.store(false);
  if (!listened && !impl_->stopping.load()) {
    return annal::Status::IOError("the server stopped listening");
  }
  return annal::Status::Ok();
}

void ApiServer::Stop() {
  impl_->stopping.store(true);
  impl_->http.stop();
  while (impl_->running.load()) {  // started listening after the stop above
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    impl_->http.stop();
  }
}

}  // namespace annal::server
