// python/src/store_core.h: what the Python module's Store and Snapshot share.
//
// A StoreCore owns one Engine and knows every Snapshot opened from it, so
// that closing the store (explicitly or when Python collects it) first ends
// those snapshots: a Snapshot must never outlive its Engine, and Python gives
// no order of destruction. It also remembers the process that opened it: an
// LMDB environment must not be used across fork(), so every call checks the
// pid, and a child never closes its parent's engine (that would release the
// parent's reader slots), it only forgets it.
//
// Thread-safety: every member is safe to call from any thread. Each call
// holds a Use for its whole duration; Close() refuses new ones, ends the
// snapshots, then waits for the calls in flight, so a store closes only
// between calls. A count, not a reader lock: a call may wait inside the
// engine for a snapshot to end (a map growth), and Close ends snapshots
// before it waits, so no call ever waits for Close. Locks here are only
// taken with the GIL released: a thread holding the GIL never waits for one.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "annal/engine.h"

namespace annal::binding {

// Thrown by the binding for a failed Status; translated into the matching
// annal.* Python exception once, at the module boundary (module.cc).
struct StatusError {
  Status status;
  std::string event_type;  // the rejected event's type, when known
  bool misuse = false;     // the caller's mistake, not the store's: annal.Error
};
[[noreturn]] void ThrowStatus(Status status, std::string event_type = {});
// The value of `r`, or its Status thrown (then translated as above).
template <class T>
T Check(Result<T> r) {
  if (!r.ok()) ThrowStatus(r.status());
  return std::move(*r);
}
// A misuse of the Python API (closed store, wrong process): annal.Error.
[[noreturn]] void ThrowMisuse(const std::string& message);

struct SnapshotSlot;

class StoreCore {
 public:
  // Opens `dir`; refuses a directory this process has open already.
  static std::shared_ptr<StoreCore> Open(const std::string& dir, const Options& options);
  ~StoreCore();

  // Holds the store open for one call: throws annal.Error when it is closed
  // or belongs to another process. Take it with the GIL released.
  class Use {
   public:
    explicit Use(StoreCore& core);
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    Engine& engine() { return *engine_; }

   private:
    StoreCore& core_;
    Engine* engine_;
  };

  void Close();
  bool closed() const;
  const std::string& dir() const { return dir_; }

  void Register(SnapshotSlot* slot);
  void Unregister(SnapshotSlot* slot);
  bool in_owner_process() const;

 private:
  StoreCore(std::string dir, std::unique_ptr<Engine> engine);
  void CheckProcess() const;
  void EndSnapshots();

  const std::string dir_;  // as registered: the directory's real path
  const pid_t owner_pid_;
  std::mutex use_mu_;  // guards engine_ and in_use_
  std::condition_variable use_done_;
  size_t in_use_ = 0;                 // calls in flight
  std::unique_ptr<Engine> engine_;    // null once closed
  std::atomic<bool> closing_{false};  // set first: no new call starts
  std::mutex slots_mu_;
  std::set<SnapshotSlot*> slots_;
};

// What a Python Store holds (annal._annal.Store).
struct PyStore {
  std::shared_ptr<StoreCore> core;
};

// One Python Snapshot's C++ view. `mu` serialises its calls (a Snapshot is
// used by one thread at a time; Python threads may share the object) and
// guards `view`, which the store's Close() resets.
struct SnapshotSlot {
  std::shared_ptr<StoreCore> core;
  std::mutex mu;
  std::optional<Snapshot> view;
};

}  // namespace annal::binding
