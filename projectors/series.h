// History you can chart (docs/projections.md, "series"): per-minute buckets
// of the queue's depth, alarms per severity, events per type and events
// appended, by each event's own time, so a replay gives the same rows.
// Written against the declaration API and compiled in, like the audit
// trail: verified, rebuilt and time-travelled like the nine.
//
// Thread-safety: as annal/projection.h asks (no state in the object).
#pragma once

#include <memory>
#include <string_view>

#include "annal/projection.h"

namespace annal::internal {

std::shared_ptr<Projection> MakeSeries();

}  // namespace annal::internal
