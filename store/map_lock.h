// The lock between map growth and everything that reads or writes the map in
// this process. mdb_env_set_mapsize needs every transaction of the process
// closed: transactions and snapshots hold this shared, growth exclusively.
//
// Writer-preferring, unlike std::shared_timed_mutex (glibc's default rwlock
// prefers readers): once a growth waits, new snapshots and appends queue
// behind it, so a steady stream of overlapping snapshots cannot starve it
// into a "busy" failure (found by tests/many_processes_test.cc). The price:
// a thread that already holds it shared and asks again while a growth waits
// blocks until that growth gives up (Engine::Impl::GrowMap's timeout).
#pragma once

#include <pthread.h>
#include <time.h>

#include <chrono>
#include <utility>

#include "common/thread_annotations.h"

namespace annal::internal {

class CAPABILITY("map lock") MapLock {
 public:
  MapLock() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lock_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  ~MapLock() { pthread_rwlock_destroy(&lock_); }
  MapLock(const MapLock&) = delete;
  MapLock& operator=(const MapLock&) = delete;

  void lock_shared() ACQUIRE_SHARED() { pthread_rwlock_rdlock(&lock_); }
  void unlock_shared() RELEASE_SHARED() { pthread_rwlock_unlock(&lock_); }
  void unlock() RELEASE() { pthread_rwlock_unlock(&lock_); }
  template <class Rep, class Period>
  bool try_lock_for(std::chrono::duration<Rep, Period> wait) TRY_ACQUIRE(true) {
    // timedwrlock (realtime clock) rather than clockwrlock: the sanitizers
    // intercept it, and a clock step only shortens or stretches the wait.
    timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count() +
              until.tv_nsec;
    until.tv_sec += static_cast<time_t>(ns / 1'000'000'000);
    until.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    return pthread_rwlock_timedwrlock(&lock_, &until) == 0;
  }

 private:
  pthread_rwlock_t lock_;
};

// Holds the map lock shared for a scope: around every transaction.
class SCOPED_CAPABILITY SharedMapLock {
 public:
  explicit SharedMapLock(MapLock& l) ACQUIRE_SHARED(l) : l_(l) { l_.lock_shared(); }
  ~SharedMapLock() RELEASE() { l_.unlock_shared(); }
  SharedMapLock(const SharedMapLock&) = delete;
  SharedMapLock& operator=(const SharedMapLock&) = delete;

 private:
  MapLock& l_;
};

// Holds the map lock shared for the life of a Snapshot, which outlives the
// call that opened it: movable, and so beyond what the analysis follows.
class SnapshotMapHold {
 public:
  explicit SnapshotMapHold(MapLock& l) NO_THREAD_SAFETY_ANALYSIS : l_(&l) {
    l_->lock_shared();
  }
  SnapshotMapHold(SnapshotMapHold&& o) noexcept : l_(std::exchange(o.l_, nullptr)) {}
  SnapshotMapHold& operator=(SnapshotMapHold&&) = delete;
  ~SnapshotMapHold() NO_THREAD_SAFETY_ANALYSIS {
    if (l_) l_->unlock_shared();
  }

 private:
  MapLock* l_;
};

}  // namespace annal::internal
