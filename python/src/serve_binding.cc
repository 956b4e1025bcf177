// annal._annal.Server: `annal serve` inside a Python process (store.serve),
// so that the process's own projections are on the HTTP API, the feed and
// the page. The server runs on threads of its own; the store is held open
// until stop() (the package's Store.close() stops its servers first).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <thread>

#include "python/src/bindings.h"
#include "python/src/store_core.h"
#include "server/server.h"

namespace annal::binding {
namespace {

namespace pyb = pybind11;

struct PyServer {
  std::unique_ptr<StoreCore::Use> use;  // the engine, open while serving
  std::unique_ptr<server::ApiServer> api;
  std::thread thread;
  int port = 0;
  Status ended;  // what Run() returned

  void Stop() {
    if (!api) return;
    api->Stop();
    if (thread.joinable()) thread.join();
    api.reset();
    use.reset();
  }
  ~PyServer() { Stop(); }
};

std::unique_ptr<PyServer> StartServer(StoreCore& core, const std::string& host, int port,
                                      std::optional<std::string> token, bool allow_append,
                                      size_t max_feeds, int heartbeat_ms) {
  pyb::gil_scoped_release nogil;
  auto s = std::make_unique<PyServer>();
  s->use = std::make_unique<StoreCore::Use>(core);
  server::ServeOptions o;
  o.host = host;
  o.port = port;
  o.token = std::move(token);
  o.allow_append = allow_append;
  o.max_feeds = max_feeds;
  o.heartbeat_ms = heartbeat_ms;
  s->api = std::make_unique<server::ApiServer>(s->use->engine(), o);
  s->port = Check(s->api->Bind());
  PyServer* raw = s.get();
  s->thread = std::thread([raw] { raw->ended = raw->api->Run(); });
  return s;
}

}  // namespace

void BindServer(pyb::module_& m) {
  pyb::class_<PyServer>(m, "Server")
      .def_property_readonly("port", [](PyServer& s) { return s.port; })
      .def("stop",
           [](PyServer& s) {
             pyb::gil_scoped_release nogil;
             s.Stop();
             if (!s.ended.ok()) ThrowStatus(s.ended);
           })
      .def_property_readonly("running", [](PyServer& s) { return s.api != nullptr; });
  m.def(
      "serve",
      [](PyStore& store, const std::string& host, int port,
         std::optional<std::string> token, bool allow_append, size_t max_feeds,
         int heartbeat_ms) {
        return StartServer(*store.core, host, port, std::move(token), allow_append,
                           max_feeds, heartbeat_ms);
      },
      pyb::arg("store"), pyb::arg("host"), pyb::arg("port"), pyb::arg("token"),
      pyb::arg("allow_append"), pyb::arg("max_feeds"), pyb::arg("heartbeat_ms"));
}

}  // namespace annal::binding
