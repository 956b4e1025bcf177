// annal._annal.Store: one open store (an Engine) for Python.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "annal/jsonl.h"
#include "python/src/bindings.h"
#include "python/src/event_from_dict.h"
#include "python/src/py_projection.h"
#include "python/src/snapshot_slot.h"
#include "python/src/store_core.h"

namespace annal::binding {
namespace {

namespace pyb = pybind11;

std::unique_ptr<PyStore> OpenStore(const std::string& path, const std::string& mode,
                                   bool create_if_missing, bool read_only, bool sync,
                                   size_t initial_map_size, bool rebuild_stale_on_open,
                                   int64_t wait_for_ship_ms, bool allow_other_owner,
                                   const pyb::list& projections) {
  Options o;
  if (mode == "deferred") {
    o.mode = Mode::kDeferred;
  } else if (mode != "inline") {
    ThrowStatus(Status::InvalidInput("mode must be \"inline\" or \"deferred\", not \"" +
                                     mode + "\""));
  }
  o.create_if_missing = create_if_missing;
  o.read_only = read_only;
  o.sync = sync;
  if (initial_map_size) o.initial_map_size = initial_map_size;
  o.rebuild_stale_on_open = rebuild_stale_on_open;
  o.wait_for_ship_ms = wait_for_ship_ms;
  o.allow_other_owner = allow_other_owner;
  for (auto p : projections) o.projections.push_back(MakePyProjection(p));
  pyb::gil_scoped_release nogil;
  return std::make_unique<PyStore>(PyStore{StoreCore::Open(path, o)});
}

// Reads the batch into Events (GIL held: they are Python objects), then
// appends it with the GIL released: (first_seq, last_seq, not_yet_shipped).
// Dicts are read
// as they are; anything else is first made one by `as_dict` (the package's:
// typed events, other mappings, or a clear error).
std::tuple<uint64_t, uint64_t, bool> AppendDicts(PyStore& s, const pyb::list& events,
                                                 const pyb::object& as_dict) {
  std::vector<Event> batch;
  batch.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    pyb::object item = events[i];
    if (!PyDict_Check(item.ptr())) item = as_dict(item, i);
    auto ev = EventFromDict(item.ptr());
    if (!ev.ok()) {
      ThrowStatus(Status::InvalidInput(
          "event " + std::to_string(i) + ": " + ev.status().message(), i));
    }
    batch.push_back(std::move(*ev));
  }
  pyb::gil_scoped_release nogil;
  StoreCore::Use use(*s.core);
  auto r = use.engine().Append(batch);
  if (!r.ok()) {
    auto index = r.status().event_index();
    std::string type;
    if (index && *index < batch.size()) type = std::string(batch[*index].type());
    ThrowStatus(r.status(), type);
  }
  return {r->first_seq, r->last_seq, r->not_yet_shipped};
}

pyb::dict StatsDict(const EngineStats& st) {
  pyb::dict d;
  d["map_size"] = st.map_size;
  d["map_growths"] = st.map_growths;
  d["used_bytes"] = st.used_bytes;
  d["append_batches"] = st.append_batches;
  d["append_events"] = st.append_events;
  d["rejected_batches"] = st.rejected_batches;
  d["commits"] = st.commits;
  d["commit_seconds_sum"] = st.commit_seconds_sum;
  return d;
}

// Runs `f(engine)` with the store held open and the GIL released; a failed
// Status becomes the matching Python exception.
template <class F>
auto WithEngine(PyStore& s, F&& f) {
  pyb::gil_scoped_release nogil;
  StoreCore::Use use(*s.core);
  return f(use.engine());
}

}  // namespace

void BindStore(pyb::module_& m) {
  pyb::class_<PyStore>(m, "Store")
      .def(pyb::init(&OpenStore), pyb::arg("path"), pyb::arg("mode"),
           pyb::arg("create_if_missing"), pyb::arg("read_only"), pyb::arg("sync"),
           pyb::arg("initial_map_size"), pyb::arg("rebuild_stale_on_open"),
           pyb::arg("wait_for_ship_ms"), pyb::arg("allow_other_owner"),
           pyb::arg("projections"))
      .def("append", &AppendDicts)
      .def("read",
           [](PyStore& s, std::optional<uint64_t> as_of) {
             return WithEngine(s, [&](Engine& e) {
               auto view = as_of ? e.ReadAsOf(*as_of) : e.Read();
               return NewSnapshot(s.core, Check(std::move(view)));
             });
           })
      .def("verify",
           [](PyStore& s) {
             return WithEngine(s, [](Engine& e) { return ToJson(Check(e.Verify())); });
           })
      .def("event_types",
           [](PyStore& s) {
             return WithEngine(s, [](Engine& e) {
               std::vector<std::tuple<std::string, int64_t, std::string>> out;
               for (auto& d : Check(Check(e.Read()).EventTypes()))
                 out.emplace_back(d.name, d.version, d.fields);
               return out;
             });
           })
      .def("verify_log",
           [](PyStore& s) {
             return WithEngine(s, [](Engine& e) {
               auto c = Check(e.VerifyLog());
               return std::make_tuple(c.events, c.head_seq, c.head_hash);
             });
           })
      .def("backup",
           [](PyStore& s, const std::string& dest) {
             auto r = WithEngine(s, [&](Engine& e) { return Check(e.Backup(dest)); });
             pyb::dict d;
             d["dir"] = r.dir;
             d["events"] = r.log.events;
             d["head_seq"] = r.log.head_seq;
             d["head_hash"] = r.log.head_hash;
             d["bytes"] = r.bytes;
             d["seconds"] = r.seconds;
             d["identical"] = r.identical;
             return d;
           })
      .def("rebuild",
           [](PyStore& s) {
             WithEngine(s, [](Engine& e) {
               if (Status st = e.Rebuild(); !st.ok()) ThrowStatus(st);
               return 0;
             });
           })
      .def("project_pending",
           [](PyStore& s, size_t batch) {
             return WithEngine(s,
                               [&](Engine& e) { return Check(e.ProjectPending(batch)); });
           })
      .def("wait_for",
           [](PyStore& s, uint64_t seq, int64_t timeout_ms) {
             WithEngine(s, [&](Engine& e) {
               if (Status st = e.WaitFor(seq, timeout_ms); !st.ok()) ThrowStatus(st);
               return 0;
             });
           })
      .def("wait_for_commit",
           [](PyStore& s, uint64_t after, int64_t timeout_ms) {
             return WithEngine(
                 s, [&](Engine& e) { return Check(e.WaitForCommit(after, timeout_ms)); });
           })
      .def("stats",
           [](PyStore& s) {
             auto st = WithEngine(s, [](Engine& e) { return e.Stats(); });
             return StatsDict(st);
           })
      .def("running_maintenance",
           [](PyStore& s) -> pyb::object {
             auto m = WithEngine(s, [](Engine& e) { return e.RunningMaintenance(); });
             if (!m) return pyb::none();
             pyb::dict d;
             d["kind"] = m->kind;
             d["building"] = m->building;
             d["done"] = m->progress.done;
             d["total"] = m->progress.total;
             return d;
           })
      .def("close",
           [](PyStore& s) {
             pyb::gil_scoped_release nogil;
             s.core->Close();
           })
      .def_property_readonly("closed",
                             [](PyStore& s) {
                               pyb::gil_scoped_release nogil;
                               return s.core->closed();
                             })
      .def_property_readonly("path", [](PyStore& s) { return s.core->dir(); });
}

}  // namespace annal::binding
