#include "projectors/projector.h"

namespace annal::internal {

std::unique_ptr<Projector> MakeActiveTasksProjector();
std::unique_ptr<Projector> MakeSchedulesProjector();
std::unique_ptr<Projector> MakeWatchersProjector();
std::unique_ptr<Projector> MakeRulesProjector();
std::unique_ptr<Projector> MakeIntegrationsProjector();
std::unique_ptr<Projector> MakeApprovalsProjector();
std::unique_ptr<Projector> MakeQueueDepthProjector();
std::unique_ptr<Projector> MakeAutonomyHistoryProjector();
std::unique_ptr<Projector> MakeAlarmsProjector();

std::vector<std::unique_ptr<Projector>> MakeProjectors() {
  std::vector<std::unique_ptr<Projector>> all;
  all.push_back(MakeActiveTasksProjector());
  all.push_back(MakeSchedulesProjector());
  all.push_back(MakeWatchersProjector());
  all.push_back(MakeRulesProjector());
  all.push_back(MakeIntegrationsProjector());
  all.push_back(MakeApprovalsProjector());
  all.push_back(MakeQueueDepthProjector());
  all.push_back(MakeAutonomyHistoryProjector());
  all.push_back(MakeAlarmsProjector());
  return all;
}

const std::vector<DeclaredProjection>& BuiltInTables() {
  // Built once, on first use, and never destroyed: readers on other threads
  // may outlive static destruction order.
  static const auto* tables = [] {
    auto* out = new std::vector<DeclaredProjection>;
    for (const auto& p : MakeProjectors())
      out->push_back({std::string(p->name()), p->Tables()});
    return out;
  }();
  return *tables;
}

}  // namespace annal::internal
