// How crash_writer opens a scenario's store, and how crash_check opens a
// crash state of it (as the scenario's last open did, as a user restarting
// the program would). Header-only; no state.
#pragma once

#include <memory>
#include <string>

#include "annal/options.h"
#include "tests/tool_stats.h"

namespace annal::crashsim {

// `tool_stats_version`: 0 without the projection tool_stats, else its version.
inline Options OpenOptions(const std::string& scenario, uint32_t tool_stats_version) {
  Options o;
  o.sync = scenario != "nosync";
  if (scenario == "deferred" || scenario == "faults-deferred") o.mode = Mode::kDeferred;
  if (scenario == "growth") o.initial_map_size = size_t{64} << 10;
  if (tool_stats_version > 0) {
    o.projections = {std::make_shared<testing::ToolStats>(tool_stats_version)};
    o.rebuild_stale_on_open = true;
  }
  return o;
}

// The version of tool_stats a scenario's last open registers.
inline uint32_t FinalToolStatsVersion(const std::string& scenario) {
  return scenario == "projection" ? 2 : 0;
}

}  // namespace annal::crashsim
