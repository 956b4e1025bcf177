// What is refused before any route runs (docs/http.md, docs/security.md):
// a Host that does not name this server (421), a missing token (401), an
// unknown path (404), a wrong method (405), a cross-origin write (403), an
// append that is not JSONL (415), framing a proxy could read otherwise (400).
#include <arpa/inet.h>

#include <cctype>

#include "common/printable.h"
#include "server/json.h"
#include "server/server_impl.h"

namespace annal::server {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsIpLiteral(const std::string& host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return true;  // IPv6
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1;
}

void Answer(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(ErrorJson(message), "application/json");
}

}  // namespace

std::string Printable(std::string_view bytes) { return common::Printable(bytes, true); }

bool ApiServer::Impl::HostAllowed(const httplib::Request& req) const {
  // The name is what DNS rebinding forges; the port proves nothing (a proxy
  // may change it), so it is not checked.
  if (req.get_header_value_count("Host") != 1) return false;
  const std::string value = Lower(req.get_header_value("Host"));
  std::string host = value;
  const size_t colon = value.rfind(':');
  if (colon != std::string::npos && value.find(']', colon) == std::string::npos)
    host = value.substr(0, colon);
  if (IsIpLiteral(host) || host == "localhost" || host == Lower(options.host))
    return true;
  for (const std::string& name : options.allow_hosts)
    if (host == Lower(name)) return true;
  return false;
}

bool ApiServer::Impl::SameOrigin(const httplib::Request& req) const {
  if (!req.has_header("Origin")) return true;  // not a browser's request
  if (req.get_header_value_count("Origin") != 1) return false;
  // https: the page came through a TLS proxy in front of this server.
  const std::string origin = Lower(req.get_header_value("Origin"));
  const std::string host = Lower(req.get_header_value("Host"));
  return origin == "http://" + host || origin == "https://" + host;
}

bool ApiServer::Impl::Refused(const httplib::Request& req, httplib::Response& res) const {
  if (!HostAllowed(req)) {
    Answer(res, 421,
           "the Host header does not name this server (start it with --allow-host NAME "
           "to be reached by that name)");
    return true;
  }
  if (!Authorized(req)) {
    res.set_header("WWW-Authenticate", "Bearer");
    Answer(res, 401, "a valid Authorization: Bearer token is required");
    return true;
  }
  if (req.path.find('\0') != std::string::npos) {
    Answer(res, 400, "the path holds a NUL byte: " + Printable(req.path));
    return true;
  }
  const Endpoint* e = FindEndpoint(req.path);
  if (!e) {
    Answer(res, 404, "no such path: " + Printable(req.path));
    return true;
  }
  if (!EndpointAllows(*e, req.method)) {
    res.set_header("Allow", std::string(e->methods));
    Answer(res, 405, req.method + " is not allowed on " + Printable(req.path));
    return true;
  }
  const size_t lengths = req.get_header_value_count("Content-Length");
  if (lengths > 1 ||
      (lengths == 1 &&
       (req.get_header_value("Content-Length").empty() ||
        req.get_header_value("Content-Length").find_first_not_of("0123456789") !=
            std::string::npos))) {
    Answer(res, 400, "Content-Length must be given once, as decimal digits");
    return true;
  }
  if (req.method == "GET" || req.method == "HEAD") return false;
  if (!options.allow_append) {
    res.set_header("Allow", "GET");
    Answer(res, 405, "appends are off: start annal serve with --allow-append");
    return true;
  }
  if (!SameOrigin(req)) {
    Answer(res, 403,
           "a request from another origin may not write (Origin: " +
               Printable(req.get_header_value("Origin")) + ")");
    return true;
  }
  std::string type = Lower(req.get_header_value("Content-Type"));
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (type != "application/x-ndjson" && type != "application/jsonl") {
    Answer(
        res, 415,
        "POST /v1/events takes Content-Type application/x-ndjson or application/jsonl");
    return true;
  }
  return false;
}

}  // namespace annal::server
