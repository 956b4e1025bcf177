// annal --db DIR project [--batch N]: deferred mode's projector process.
// Tails the log from the projections' checkpoint and applies it, exactly
// once across crashes; stops cleanly on SIGINT or SIGTERM.
#include <fmt/core.h>

#include <csignal>
#include <iostream>

#include "tools/command.h"

namespace annal::cli {
namespace {

std::atomic<bool> stop_requested{false};

extern "C" void RequestStop(int) { stop_requested.store(true); }

}  // namespace

static Run AddProject(CLI::App& app, const Globals& g) {
  auto batch = std::make_shared<size_t>(kDefaultProjectBatch);
  auto* cmd = app.add_subcommand(
      "project", "apply logged events to the projections (deferred mode)");
  cmd->add_option("--batch", *batch, "events per write transaction")
      ->check(Decimal(1, uint64_t{1} << 24));
  return [&g, batch] {
    Options options;
    options.create_if_missing = false;
    options.mode = Mode::kDeferred;
    auto engine = OpenOrReport(g, options);
    std::signal(SIGINT, RequestStop);
    std::signal(SIGTERM, RequestStop);
    Status st = engine->RunProjector(stop_requested, *batch);
    auto snap = engine->Read();
    auto at = snap.ok() ? snap->ProjectedSeq() : Result<uint64_t>(snap.status());
    if (!st.ok()) {
      return Report("project", st);
    }
    fmt::print("projector stopped; projections reflect seq {}\n", at.ok() ? *at : 0);
    return kOk;
  };
}

ANNAL_COMMAND("project", AddProject);

}  // namespace annal::cli
