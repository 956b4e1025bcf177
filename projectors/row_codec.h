// FlatBuffers encoding of projection rows (fbs/rows.fbs), shared by the
// projectors that write rows and the snapshot that reads them. Decode returns
// views into the bytes given; Encode builds into the builder (cleared first)
// and returns its bytes, a multiple of 8 long.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <optional>
#include <string_view>

#include "annal/rows.h"
#include "rows_generated.h"

namespace annal::internal {

using Builder = flatbuffers::FlatBufferBuilder;

// A row table in `bytes` after verification, or nullptr when they are not one.
template <class T>
const T* VerifiedRow(std::string_view bytes) {
  auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  flatbuffers::Verifier v(data, bytes.size());
  if (!v.VerifyBuffer<T>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<T>(data);
}

// The alarm row as stored: the public row plus the seq that ordered its
// resolution among the recently resolved.
struct StoredAlarm {
  AlarmRow row;
  uint64_t resolved_seq = 0;
};

// A queued task as the active-tasks projector keeps it.
struct QueuedTask {
  std::string_view name;
  OptView step;
};

ActiveTaskRow Decode(const fbs::ActiveTaskRow& r);
QueuedTask Decode(const fbs::QueuedTaskState& r);
ScheduleRow Decode(const fbs::ScheduleRow& r);
WatcherRow Decode(const fbs::WatcherRow& r);
RuleRow Decode(const fbs::RuleRow& r);
IntegrationRow Decode(const fbs::IntegrationRow& r);
ApprovalRow Decode(const fbs::ApprovalRow& r);
QueueDepthRow Decode(const fbs::QueueDepthRow& r);
AutonomyCurrentRow Decode(const fbs::AutonomyCurrentRow& r);
AutonomyChangeRow Decode(const fbs::AutonomyChangeRow& r);
StoredAlarm Decode(const fbs::AlarmRow& r);

std::string_view Encode(Builder& b, const ActiveTaskRow& r);
std::string_view Encode(Builder& b, const QueuedTask& r);
std::string_view Encode(Builder& b, const ScheduleRow& r);
std::string_view Encode(Builder& b, const WatcherRow& r);
std::string_view Encode(Builder& b, const RuleRow& r);
std::string_view Encode(Builder& b, const IntegrationRow& r);
std::string_view Encode(Builder& b, const ApprovalRow& r);
std::string_view Encode(Builder& b, const QueueDepthRow& r);
std::string_view Encode(Builder& b, const AutonomyCurrentRow& r);
std::string_view Encode(Builder& b, const AutonomyChangeRow& r);
std::string_view Encode(Builder& b, const StoredAlarm& r);

}  // namespace annal::internal
