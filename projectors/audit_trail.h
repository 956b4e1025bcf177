// The audit trail of each entity (docs/projections.md, "audit_trail"): an
// index of the log by entity, so that "what happened to this task?" is a
// range read (Snapshot::History), never a scan. Written against the
// declaration API like a projection of your own, and compiled into every
// store: built from the log when new to a store, verified, rebuilt and
// time-travelled like the nine.
//
// Thread-safety: as annal/projection.h asks (no state in the object).
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "annal/projection.h"

namespace annal::internal {

inline constexpr std::string_view kAuditTrail = "audit_trail";
inline constexpr std::string_view kAuditTrailEntries = "entries";

// The kinds of entity a trail is kept for, as `history` and the API name
// them: task, schedule, watcher, rule, integration, tool_call, approval,
// alarm.
bool IsTrailKind(std::string_view kind);
inline constexpr std::string_view kTrailKinds =
    "task, schedule, watcher, rule, integration, tool_call, approval, alarm";

std::shared_ptr<Projection> MakeAuditTrail();

}  // namespace annal::internal
