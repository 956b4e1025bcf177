#include "store/describe_key.h"

#include "store/keys.h"

namespace annal::internal {
namespace {

std::string Quoted(std::string_view id) {
  return "\"" + std::string(keys::DecodeId(id)) + "\"";
}

std::string_view RegistryKind(char k) {
  switch (k) {
    case 'T':
      return "task";
    case 'S':
      return "schedule";
    case 'C':
      return "tool call";
    case 'W':
      return "watcher";
    case 'R':
      return "rule";
    case 'I':
      return "integration";
    case 'P':
      return "approval";
    case 'A':
      return "alarm";
    case 'L':
      return "autonomy level";
  }
  return "entity";
}

}  // namespace

std::string DescribeKey(Db db, std::string_view key) {
  auto tail = [&] { return key.size() > 8 ? key.substr(8) : std::string_view(); };
  auto at = [&] { return std::to_string(keys::DecodeTime(key)); };
  if (key.size() < 8)
    return "a malformed key of " + std::to_string(key.size()) + " bytes";
  switch (db) {
    case Db::kMeta:
      return "meta record " + Quoted(key);
    case Db::kLog:
      return "seq " + std::to_string(keys::DecodeU64(key));
    case Db::kRegistry:
      return std::string(RegistryKind(key[0])) + " " + Quoted(key.substr(1));
    case Db::kActiveTasks:
    case Db::kActiveTasksQueued:
    case Db::kQueueDepthQueuedTasks:
      return "task " + Quoted(key);
    case Db::kActiveTasksByWake:
      return "task " + Quoted(tail()) + " waking at " + at();
    case Db::kSchedules:
    case Db::kSchedulesDisabled:
    case Db::kQueueDepthWaitingRuns:
      return "schedule " + Quoted(key);
    case Db::kSchedulesByNextRun:
      return "schedule " + Quoted(tail()) + " next run at " + at();
    case Db::kWatchers:
      return "watcher " + Quoted(key);
    case Db::kRules:
      return "rule " + Quoted(key);
    case Db::kIntegrations:
      return "integration " + Quoted(key);
    case Db::kApprovals:
      return "approval " + Quoted(key);
    case Db::kApprovalsByExpiry:
      return "approval " + Quoted(tail()) + " expiring at " + at();
    case Db::kQueueDepth:
      return "the counters row";
    case Db::kAutonomyHistory: {
      uint64_t seq = keys::DecodeU64(key);
      return seq == 0 ? "the current level" : "the change at seq " + std::to_string(seq);
    }
    case Db::kAlarms:
    case Db::kAlarmsEvicted:
      return "alarm " + Quoted(key);
    case Db::kAlarmsByState: {
      static constexpr std::string_view kStates[] = {"open", "acked", "resolved"};
      auto state = static_cast<uint8_t>(key[0]);
      return "alarm " + Quoted(tail()) + " in state " +
             std::string(state < 3 ? kStates[state] : "?");
    }
    case Db::kAlarmsResolvedOrder:
      return "alarm " + Quoted(tail()) + " resolved at seq " +
             std::to_string(keys::DecodeU64(key));
    case Db::kCount:
      break;
  }
  return "a key";
}

}  // namespace annal::internal
