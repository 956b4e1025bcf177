// annal._annal.Snapshot: one read view for Python.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "annal/jsonl.h"
#include "annal/query.h"
#include "python/src/bindings.h"
#include "python/src/snapshot_slot.h"

namespace annal::binding {
namespace {

namespace pyb = pybind11;

// Runs `f(view)` with the GIL released and the slot locked; refuses a view
// that its store's close() (or its own) ended, or one of another process.
template <class F>
auto WithView(PySnapshot& p, F&& f) {
  pyb::gil_scoped_release nogil;
  SnapshotSlot& s = *p.slot;
  if (!s.core->in_owner_process()) {
    ThrowMisuse("this snapshot belongs to the process that opened store " +
                s.core->dir() + "; it must not be used after fork()");
  }
  std::lock_guard lock(s.mu);
  if (!s.view) {
    ThrowMisuse(s.core->closed()
                    ? "snapshot used after its store " + s.core->dir() + " was closed"
                    : std::string("snapshot used after close()"));
  }
  return f(*s.view);
}

using Page = std::pair<std::vector<std::string>, std::optional<std::string>>;

Page RunQuery(PySnapshot& p, const std::string& name, std::optional<int64_t> due,
              std::optional<std::string> state, std::optional<size_t> limit,
              std::optional<std::string> after) {
  return WithView(p, [&](Snapshot& v) {
    QueryOptions o;
    o.due = due;
    if (state) {
      o.state = ParseAlarmState(*state);
      if (!o.state) {
        ThrowStatus(Status::InvalidInput("state must be open, acked or resolved, not \"" +
                                         *state + "\""));
      }
    }
    if (limit) o.limit = *limit;
    if (after) o.after = *after;
    auto page = Check(v.Query(name, o));
    return Page(std::move(page.rows), std::move(page.next));
  });
}

// A bound of an index query: None, or a bool, int or str.
std::optional<Value> ToBound(const char* what, const pyb::object& v) {
  if (v.is_none()) return std::nullopt;
  if (PyBool_Check(v.ptr())) return Value{v.cast<bool>()};
  if (PyLong_Check(v.ptr())) return Value{v.cast<int64_t>()};
  if (PyUnicode_Check(v.ptr())) return Value{v.cast<std::string>()};
  throw pyb::type_error(std::string(what) + " is a bool, an int or a str");
}

// One page of a declared projection's table, as JSON rows.
Page TableRows(PySnapshot& p, const std::string& projection, const std::string& table,
               std::optional<size_t> limit, std::optional<std::string> after,
               const std::string& index, const pyb::object& low,
               const pyb::object& high) {
  const std::optional<Value> from = ToBound("low", low), to = ToBound("high", high);
  return WithView(p, [&](Snapshot& v) {
    Snapshot::TableQuery q;
    q.table = table;
    q.limit = limit;
    q.index = index;
    q.from = from, q.to = to;
    if (after) q.after = *after;
    auto page = Check(v.TableRows(projection, q));
    const TableSpec spec = *v.Table(projection, table);
    std::vector<std::string> rows;
    rows.reserve(page.rows.size());
    for (const TableRow& r : page.rows) AppendJson(rows.emplace_back(), spec, r);
    return Page(std::move(rows), std::move(page.next));
  });
}

// The log from `from_seq` on, at most `max` records, as `annal export` lines.
std::vector<std::string> ScanLog(PySnapshot& p, uint64_t from_seq, size_t max) {
  return WithView(p, [&](Snapshot& v) {
    std::vector<std::string> out;
    Status st = v.ScanLog(from_seq, [&](const LoggedEvent& ev) {
      out.push_back(ToJson(ev));
      return out.size() < max;
    });
    if (!st.ok()) ThrowStatus(st);
    return out;
  });
}

// One entity's trail: its events as export lines and the next page's
// after-seq; None when the log never named it.
std::optional<std::pair<std::vector<std::string>, std::optional<uint64_t>>> History(
    PySnapshot& p, const std::string& kind, const std::string& id, uint64_t after,
    std::optional<size_t> limit) {
  return WithView(p, [&](Snapshot& v) {
    auto page = v.History(kind, id, after, limit);
    if (!page.ok()) ThrowStatus(page.status());
    std::optional<std::pair<std::vector<std::string>, std::optional<uint64_t>>> out;
    if (!*page) return out;
    out.emplace();
    for (const LoggedEvent& ev : (*page)->events) out->first.push_back(ToJson(ev));
    out->second = (*page)->next;
    return out;
  });
}

}  // namespace

PySnapshot::~PySnapshot() { Close(); }

void PySnapshot::Close() {
  if (!slot) return;
  slot->core->Unregister(slot.get());
  std::lock_guard lock(slot->mu);
  if (slot->view && !slot->core->in_owner_process()) {
    new Snapshot(std::move(*slot->view));  // forgotten: the parent's reader slot
  }
  slot->view.reset();
}

std::unique_ptr<PySnapshot> NewSnapshot(const std::shared_ptr<StoreCore>& core,
                                        Snapshot view) {
  auto p = std::make_unique<PySnapshot>();
  p->slot = std::make_unique<SnapshotSlot>();
  p->slot->core = core;
  p->slot->view.emplace(std::move(view));
  core->Register(p->slot.get());
  return p;
}

void BindSnapshot(pyb::module_& m) {
  pyb::class_<PySnapshot>(m, "Snapshot")
      .def("query", &RunQuery, pyb::arg("name"), pyb::arg("due") = pyb::none(),
           pyb::arg("state") = pyb::none(), pyb::arg("limit") = pyb::none(),
           pyb::arg("after") = pyb::none())
      .def("scan_log", &ScanLog)
      .def("history", &History)
      .def("rows", &TableRows, pyb::arg("projection"), pyb::arg("table"),
           pyb::arg("limit") = pyb::none(), pyb::arg("after") = pyb::none(),
           pyb::arg("index") = "", pyb::arg("low") = pyb::none(),
           pyb::arg("high") = pyb::none())
      .def("fingerprints",
           [](PySnapshot& p) {
             return WithView(
                 p, [](Snapshot& v) { return Check(v.ProjectionFingerprints()); });
           })
      .def("last_seq",
           [](PySnapshot& p) {
             return WithView(p, [](Snapshot& v) { return Check(v.LastSeq()); });
           })
      .def("store_mode",
           [](PySnapshot& p) {
             return WithView(p, [](Snapshot& v) { return Check(v.StoreMode()); });
           })
      .def("lag",
           [](PySnapshot& p) {
             auto lag = WithView(p, [](Snapshot& v) { return Check(v.ProjectionLag()); });
             return std::make_tuple(lag.head_seq, lag.projected_seq, lag.events,
                                    lag.micros);
           })
      .def("close",
           [](PySnapshot& p) {
             pyb::gil_scoped_release nogil;
             p.Close();
           })
      .def_property_readonly("closed", [](PySnapshot& p) {
        pyb::gil_scoped_release nogil;
        std::lock_guard lock(p.slot->mu);
        return !p.slot->view.has_value();
      });
}

}  // namespace annal::binding
