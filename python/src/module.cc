// python/src/module.cc: the native module annal._annal. The Python package
// (python/annal/) wraps it; nothing here is meant to be called directly.
//
// Every call that can wait (a commit, an fsync, a replay, a wait) or that
// does real work (decoding a batch, a page of rows) releases the GIL, so
// Python threads appending at once meet in the engine's group commit.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "annal/jsonl.h"
#include "annal/query.h"
#include "python/src/bindings.h"
#include "python/src/schema.h"
#include "python/src/store_core.h"

namespace py = pybind11;

namespace annal::binding {
namespace {

// The Python exception for a failed Status (the classes live in
// annal/_errors.py, so that they are plain Python classes with attributes).
void Raise(const StatusError& e) {
  auto errors = pybind11::module_::import("annal._errors");
  const Status& s = e.status;
  pybind11::object index = pybind11::none();
  if (s.event_index()) index = pybind11::int_(*s.event_index());
  const char* cls = "Error";
  if (!e.misuse) {
    switch (s.code()) {
      case Status::Code::kRejected:
        cls = "RejectedError";
        break;
      case Status::Code::kInvalidInput:
        cls = "InvalidArgument";
        break;
      case Status::Code::kCorruption:
        cls = "CorruptionError";
        break;
      case Status::Code::kBusy:
        cls = "BusyError";
        break;
      case Status::Code::kNotAStore:
        cls = "NotAStoreError";
        break;
      case Status::Code::kIncompatible:
        cls = "IncompatibleError";
        break;
      case Status::Code::kIOError:
        cls = "StorageError";
        break;
      default:
        cls = "Error";
        break;
    }
  }
  pybind11::object type = e.event_type.empty() ? pybind11::object(pybind11::none())
                                               : pybind11::str(e.event_type);
  pybind11::object error = errors.attr(cls)(s.message(), index, type);
  PyErr_SetObject(error.get_type().ptr(), error.ptr());
}

pybind11::list SchemaToPython(const std::vector<TypeInfo>& types) {
  pybind11::list out;
  for (const auto& t : types) {
    pybind11::list fields;
    for (const auto& f : t.fields) {
      fields.append(pybind11::make_tuple(f.name, f.kind, f.optional, f.choices));
    }
    out.append(pybind11::make_tuple(t.name, fields));
  }
  return out;
}

}  // namespace
}  // namespace annal::binding

PYBIND11_MODULE(_annal, m) {
  using namespace annal::binding;
  m.doc() = "annal's native engine binding; use the `annal` package instead.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      Raise(e);
    }
  });
  BindStore(m);
  BindSnapshot(m);
  BindProjectionTx(m);
  BindServer(m);
  std::vector<std::string> names(annal::kProjections.begin(), annal::kProjections.end());
  m.attr("PROJECTIONS") = py::tuple(py::cast(names));
  m.attr("DEFAULT_PROJECT_BATCH") = annal::kDefaultProjectBatch;
  m.def("event_schema", [] { return SchemaToPython(EventSchema()); });
  m.def("row_schema", [] { return SchemaToPython(RowSchema()); });
  m.def("changed_projections",
        [](const annal::Fingerprints& before, const annal::Fingerprints& after) {
          std::vector<std::string> out;
          for (auto n : annal::ChangedProjections(before, after)) out.emplace_back(n);
          return out;
        });
  m.def("set_verbose_logging", &annal::SetVerboseLogging);
}
