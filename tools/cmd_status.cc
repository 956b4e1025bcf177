// annal --db DIR status: the log's head, how far the projections are behind
// it (events and time); on a shipped primary how far the stream is behind
// the log, on a replica how far the replica is behind the stream.
#include <fmt/core.h>

#include <iostream>

#include "annal/query.h"
#include "annal/replication.h"
#include "tools/command.h"

namespace annal::cli {
namespace {

// Projections of your own: those loaded (--plugin), and those the store
// holds that this command did not load (its reads skip them).
int PrintOwnProjections(const Engine& engine, const Snapshot& snap) {
  auto recorded = snap.RecordedProjections();
  if (!recorded.ok()) return Report("status", recorded.status());
  for (const auto& p : engine.projections()) {
    auto it = recorded->find(p->name());
    fmt::print(
        "projection {} version {}: {}\n", p->name(), p->version(),
        it == recorded->end() ? "not built in this store yet"
        : it->second != p->version()
            ? "built at version " + std::to_string(it->second) + ": a writer rebuilds it"
            : std::string("current"));
  }
  for (const auto& [name, version] : *recorded) {
    bool loaded = false;
    for (const auto& p : engine.projections()) loaded |= p->name() == name;
    if (!IsBuiltInProjection(name) && !loaded) {
      fmt::print(
          "projection {} version {}: not loaded (reads skip it; a writer needs its "
          "plugin)\n",
          name, version);
    }
  }
  return kOk;
}

// A verify or rebuild in any process: a projection new to the store (or of
// a new version) is built by one, while appends go on.
void PrintRunningMaintenance(const Engine& engine) {
  auto m = engine.RunningMaintenance();
  if (!m) return;
  std::string what = m->kind + " running";
  if (!m->building.empty()) {
    what += ", building projection(s) ";
    for (size_t i = 0; i < m->building.size(); ++i)
      what += (i ? ", " : "") + m->building[i];
  }
  fmt::print(
      "{}: {} of {} events replayed (appends go on; reads see the projections as "
      "they were until it is done)\n",
      what, m->progress.done, m->progress.total);
}

}  // namespace

static Run AddStatus(CLI::App& app, const Globals& g) {
  app.add_subcommand("status", "print the log head and the projections' lag");
  return [&g] {
    auto view = OpenForReading(g, "status");
    auto lag = view.snapshot->ProjectionLag();
    if (!lag.ok()) {
      return Report("status", lag.status());
    }
    fmt::print("log head seq {}\nprojections at seq {}\nlag {} events, {:.3f} s\n",
               lag->head_seq, lag->projected_seq, lag->events, lag->micros / 1e6);
    if (int code = PrintOwnProjections(*view.engine, *view.snapshot); code != kOk)
      return code;
    PrintRunningMaintenance(*view.engine);
    auto rep = StoreReplication(*view.engine).StandingAt(*view.snapshot);
    if (!rep.ok()) {
      return Report("status", rep.status());
    }
    if (rep->stream_end_seq) {
      fmt::print("replica of a stream ending at seq {}\nreplica lag {} events\n",
                 *rep->stream_end_seq, rep->replica_lag_events);
    }
    if (rep->shipped_seq) {
      fmt::print("shipped through seq {}\nship lag {} events\n", *rep->shipped_seq,
                 rep->ship_lag_events);
    }
    return kOk;
  };
}

ANNAL_COMMAND("status", AddStatus);

}  // namespace annal::cli
