// annal/workload.h: a deterministic generator of realistic event streams,
// valid by construction: tasks created, run, paused with wake times and
// finished; tool calls queued and run; schedules due and run or missed,
// toggled and deleted; watchers ticking; rules hit and suppressed;
// integrations failing and recovering; approvals requested and answered;
// alarms raised, acked, resolved and raised again; autonomy changes.
//
// The same options give the same stream on every platform (no std::
// distributions). Not thread-safe: one generator per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "annal/events.h"
#include "annal/export.h"

namespace annal {

struct WorkloadOptions {
  uint64_t seed = 1;
  // UUID-like random ids instead of increasing ones ("task-00000042"): random
  // keys are what makes LMDB copy pages.
  bool random_ids = false;
  // ts of the first event, in microseconds since the epoch (2023-11-14).
  int64_t start_ts = 1'700'000'000'000'000;
};

class ANNAL_EXPORT Workload {
 public:
  explicit Workload(WorkloadOptions options = {});
  ~Workload();
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  // The next event; every event has its ts set.
  Event Next();
  std::vector<Event> Take(size_t n);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace annal
