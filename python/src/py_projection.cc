#include "python/src/py_projection.h"

#include <pybind11/stl.h>

#include <stdexcept>
#include <string>
#include <unordered_map>

namespace annal::binding {
namespace {

namespace pyb = pybind11;

FieldType ParseType(const std::string& t) {
  if (t == "int") return FieldType::kInt;
  if (t == "str") return FieldType::kStr;
  if (t == "bool") return FieldType::kBool;
  if (t == "float") return FieldType::kFloat;
  throw std::invalid_argument("a field type is int, str, bool or float, not " + t);
}

// A Python value as a field of `spec` (GIL held); throws
// std::invalid_argument naming the table and field.
Value ToValue(const TableSpec& table, const FieldSpec& spec, PyObject* v) {
  auto wrong = [&](const char* got) {
    return std::invalid_argument("table " + table.name + ": field " + spec.name + " is " +
                                 std::string(NameOf(spec.type)) +
                                 (spec.optional ? " or None" : "") + ", not " + got);
  };
  if (v == Py_None) {
    if (spec.optional) return std::monostate{};
    throw wrong("None");
  }
  const char* got = Py_TYPE(v)->tp_name;
  switch (spec.type) {
    case FieldType::kInt: {
      if (!PyLong_Check(v) || PyBool_Check(v)) throw wrong(got);
      int overflow = 0;
      const long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
      if (overflow) throw wrong("an int beyond 64 bits");
      return int64_t{x};
    }
    case FieldType::kStr: {
      if (!PyUnicode_Check(v)) throw wrong(got);
      Py_ssize_t size = 0;
      const char* s = PyUnicode_AsUTF8AndSize(v, &size);
      if (!s) {
        PyErr_Clear();
        throw wrong("a str that is not valid UTF-8");
      }
      return std::string(s, static_cast<size_t>(size));
    }
    case FieldType::kBool:
      if (!PyBool_Check(v)) throw wrong(got);
      return v == Py_True;
    case FieldType::kFloat:
      if (!PyFloat_Check(v)) throw wrong(got);
      return PyFloat_AsDouble(v);
  }
  throw wrong(got);
}

pyb::object FromValue(const Value& v) {
  if (auto* n = std::get_if<int64_t>(&v)) return pyb::int_(*n);
  if (auto* s = std::get_if<std::string>(&v)) return pyb::str(*s);
  if (auto* b = std::get_if<bool>(&v)) return pyb::bool_(*b);
  if (auto* d = std::get_if<double>(&v)) return pyb::float_(*d);
  return pyb::none();
}

// The `tx` a Python apply gets: valid during that call only.
struct PyTx {
  ProjectionTx* tx = nullptr;
  const std::vector<TableSpec>* tables = nullptr;
  std::string refused;  // the first put or delete the declaration refused

  void CheckLive() const {
    if (!tx) throw std::runtime_error("tx used after its apply returned");
  }
  const TableSpec& Table(const std::string& name) const {
    for (const TableSpec& t : *tables) {
      if (t.name == name) return t;
    }
    throw std::invalid_argument("no table " + name + " in this projection");
  }
  Values Key(const TableSpec& t, const pyb::handle& key) const {
    pyb::tuple k = pyb::isinstance<pyb::tuple>(key)
                       ? pyb::reinterpret_borrow<pyb::tuple>(key)
                       : pyb::make_tuple(key);
    if (k.size() != t.key.size()) {
      throw std::invalid_argument("table " + t.name + ": a key of " +
                                  std::to_string(k.size()) + " values, " +
                                  std::to_string(t.key.size()) + " declared");
    }
    Values out;
    for (size_t i = 0; i < k.size(); ++i) out.push_back(ToValue(t, t.key[i], k[i].ptr()));
    return out;
  }
  // Runs `f`, remembering what the declaration refused even if apply
  // catches the exception.
  template <class F>
  auto Checked(F&& f) {
    CheckLive();
    try {
      return f();
    } catch (const std::invalid_argument& e) {
      if (refused.empty()) refused = e.what();
      throw;
    }
  }

  pyb::object Get(const std::string& table, const pyb::handle& key) {
    return Checked([&]() -> pyb::object {
      const TableSpec& t = Table(table);
      auto row = tx->Get(table, Key(t, key));
      if (!row) return pyb::none();
      pyb::dict d;
      for (size_t i = 0; i < t.fields.size(); ++i)
        d[pyb::str(t.fields[i].name)] = FromValue((*row)[i]);
      return std::move(d);
    });
  }
  void Put(const std::string& table, const pyb::handle& key, const pyb::dict& fields) {
    Checked([&] {
      const TableSpec& t = Table(table);
      Values values;
      for (const FieldSpec& f : t.fields) {
        PyObject* v = PyDict_GetItemString(fields.ptr(), f.name.c_str());
        if (!v) {
          throw std::invalid_argument("table " + t.name + ": field " + f.name +
                                      " is missing");
        }
        values.push_back(ToValue(t, f, v));
      }
      if (static_cast<size_t>(PyDict_Size(fields.ptr())) != t.fields.size()) {
        for (auto item : fields) {
          const std::string name = pyb::str(item.first);
          bool declared = false;
          for (const FieldSpec& f : t.fields) declared |= f.name == name;
          if (!declared) {
            throw std::invalid_argument("table " + t.name + ": field " + name +
                                        " is not declared");
          }
        }
      }
      tx->Put(table, Key(t, key), values);
    });
  }
  bool Delete(const std::string& table, const pyb::handle& key) {
    return Checked([&] { return tx->Delete(table, Key(Table(table), key)); });
  }
};

class PyProjection final : public Projection {
 public:
  PyProjection(pyb::object obj, std::string name, uint32_t version,
               std::vector<TableSpec> tables)
      : obj_(std::move(obj)),
        apply_(obj_.attr("apply")),
        name_(std::move(name)),
        version_(version),
        tables_(std::move(tables)) {}
  ~PyProjection() override {
    if (!Py_IsInitialized()) {
      apply_.release();  // the interpreter is gone: nothing to drop them from
      obj_.release();
      return;
    }
    pyb::gil_scoped_acquire gil;
    apply_ = pyb::object();
    obj_ = pyb::object();
  }

  std::string name() const override { return name_; }
  uint32_t version() const override { return version_; }
  std::vector<TableSpec> tables() const override { return tables_; }

  void Apply(ProjectionTx& tx, const LoggedEvent& ev) override {
    pyb::gil_scoped_acquire gil;
    auto holder = std::make_unique<PyTx>();
    PyTx* ptx = holder.get();
    ptx->tx = &tx;
    ptx->tables = &tables_;
    pyb::object py_tx = pyb::cast(std::move(holder));
    std::string error;
    try {
      apply_(py_tx, EventToDict(ev));
    } catch (pyb::error_already_set& e) {
      error = e.what();
    }
    ptx->tx = nullptr;  // a tx kept by apply is dead from here on
    if (!ptx->refused.empty()) throw std::invalid_argument(ptx->refused);
    if (!error.empty()) throw std::runtime_error("apply raised " + error);
  }

 private:
  pyb::object obj_;
  pyb::object apply_;  // its bound apply, looked up once
  const std::string name_;
  const uint32_t version_;
  const std::vector<TableSpec> tables_;
};

}  // namespace

std::shared_ptr<Projection> MakePyProjection(const pyb::handle& declared) {
  auto t = declared.cast<pyb::tuple>();
  std::vector<TableSpec> tables;
  for (auto table : t[3]) {
    auto tt = table.cast<pyb::tuple>();
    TableSpec spec;
    spec.name = tt[0].cast<std::string>();
    for (auto k : tt[1]) {
      auto kk = k.cast<pyb::tuple>();
      spec.key.push_back(
          {kk[0].cast<std::string>(), ParseType(kk[1].cast<std::string>())});
    }
    for (auto f : tt[2]) {
      auto ff = f.cast<pyb::tuple>();
      spec.fields.push_back({ff[0].cast<std::string>(),
                             ParseType(ff[1].cast<std::string>()), ff[2].cast<bool>()});
    }
    for (auto ix : tt[3]) {
      auto ii = ix.cast<pyb::tuple>();
      spec.indexes.push_back(
          {ii[0].cast<std::string>(), ii[1].cast<std::vector<std::string>>()});
    }
    tables.push_back(std::move(spec));
  }
  return std::make_shared<PyProjection>(pyb::reinterpret_borrow<pyb::object>(t[0]),
                                        t[1].cast<std::string>(), t[2].cast<uint32_t>(),
                                        std::move(tables));
}

// The interned str of a static name (a field name, an event type, an enum
// value: all string literals, so address and length name one): no new str
// object per event.
pyb::handle Interned(std::string_view name) {
  thread_local std::unordered_map<uintptr_t, PyObject*> keys;
  const uintptr_t id =
      reinterpret_cast<uintptr_t>(name.data()) ^ (uintptr_t{name.size()} << 56);
  auto [it, added] = keys.try_emplace(id, nullptr);
  if (added) {
    it->second = PyUnicode_InternFromString(std::string(name).c_str());  // kept for good
  }
  return it->second;
}

pyb::dict EventToDict(const LoggedEvent& ev) {
  pyb::dict d;
  auto* declared = std::get_if<DeclaredEvent>(&ev.event.body);
  // (A declared type's name is the event's own string, not a static one.)
  d[Interned("type")] =
      declared ? pyb::str(declared->type)
               : pyb::reinterpret_borrow<pyb::str>(Interned(ev.event.type()));
  d[Interned("seq")] = pyb::int_(ev.seq);
  if (ev.event.ts) d[Interned("ts")] = pyb::int_(*ev.event.ts);
  if (ev.event.actor) d[Interned("actor")] = pyb::str(*ev.event.actor);
  if (declared) {
    for (const auto& [name, value] : declared->fields) {
      pyb::str key(name);
      if (auto* i = std::get_if<int64_t>(&value)) {
        d[key] = pyb::int_(*i);
      } else if (auto* s = std::get_if<std::string>(&value)) {
        d[key] = pyb::str(*s);
      } else if (auto* b = std::get_if<bool>(&value)) {
        d[key] = pyb::bool_(*b);
      } else if (auto* f = std::get_if<double>(&value)) {
        d[key] = pyb::float_(*f);
      }
    }
    return d;
  }
  std::visit(
      [&](const auto& body) {
        using E = std::decay_t<decltype(body)>;
        E::Fields(body, [&](std::string_view name, const auto& v) {
          using V = std::decay_t<decltype(v)>;
          pyb::handle key = Interned(name);
          if constexpr (std::is_same_v<V, OptString>) {
            if (v) d[key] = pyb::str(*v);
          } else if constexpr (std::is_same_v<V, OptTime>) {
            if (v) d[key] = pyb::int_(*v);
          } else if constexpr (std::is_same_v<V, std::string>) {
            d[key] = pyb::str(v);
          } else if constexpr (std::is_same_v<V, bool>) {
            d[key] = pyb::bool_(v);
          } else if constexpr (std::is_integral_v<V>) {
            d[key] = pyb::int_(v);
          } else {
            d[key] = Interned(NameOf(v));  // enum names are static strings too
          }
        });
      },
      ev.event.body);
  return d;
}

void BindProjectionTx(pyb::module_& m) {
  pyb::class_<PyTx>(m, "ProjectionTx")
      .def("get", &PyTx::Get, pyb::arg("table"), pyb::arg("key"))
      .def("put", &PyTx::Put, pyb::arg("table"), pyb::arg("key"), pyb::arg("fields"))
      .def("delete", &PyTx::Delete, pyb::arg("table"), pyb::arg("key"));
}

}  // namespace annal::binding
