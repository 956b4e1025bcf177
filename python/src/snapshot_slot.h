// python/src/snapshot_slot.h: the Python Snapshot object's C++ side.
//
// PySnapshot owns one SnapshotSlot, registered with its store so that the
// store's Close() can end the view first. Destroying it (Python's collector,
// or close()) unregisters the slot and ends the view; in a child after fork()
// the view is forgotten instead (aborting it would release a reader slot of
// the parent's).
#pragma once

#include <memory>

#include "python/src/store_core.h"

namespace annal::binding {

struct PySnapshot {
  std::unique_ptr<SnapshotSlot> slot;
  PySnapshot() = default;
  PySnapshot(PySnapshot&&) = default;
  ~PySnapshot();
  void Close();
};

// Call with the store held open (a StoreCore::Use), GIL released.
std::unique_ptr<PySnapshot> NewSnapshot(const std::shared_ptr<StoreCore>& core,
                                        Snapshot view);

}  // namespace annal::binding
