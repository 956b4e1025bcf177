// python/src/bindings.h: the native classes of annal._annal, one binder per
// file (store_binding.cc, snapshot_binding.cc); module.cc calls them.
#pragma once

#include <pybind11/pybind11.h>

namespace annal::binding {

void BindStore(pybind11::module_& m);
void BindSnapshot(pybind11::module_& m);
void BindProjectionTx(pybind11::module_& m);
void BindServer(pybind11::module_& m);

}  // namespace annal::binding
