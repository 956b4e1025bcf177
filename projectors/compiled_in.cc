#include "projectors/compiled_in.h"

#include <algorithm>

#include "projectors/audit_trail.h"
#include "projectors/series.h"

namespace annal::internal {
namespace {

// Function-local: registrations run in static initialisers of other files,
// in an order the language leaves open.
std::vector<ProjectionMaker>& Makers() {
  static std::vector<ProjectionMaker> makers;
  return makers;
}

}  // namespace

bool RegisterCompiledIn(ProjectionMaker make) {
  Makers().push_back(make);
  return true;
}

std::vector<std::shared_ptr<Projection>> CompiledInProjections() {
  // annal's own, named here rather than registered: a static library's
  // linker would drop a file that nothing else refers to.
  std::vector<std::shared_ptr<Projection>> out = {MakeAuditTrail(), MakeSeries()};
  for (ProjectionMaker make : Makers()) out.push_back(make());
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a->name() < b->name(); });
  return out;
}

}  // namespace annal::internal
