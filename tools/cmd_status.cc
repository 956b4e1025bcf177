// annal --db DIR status: the log's head, how far the projections are behind
// it (events and time); on a shipped primary how far the stream is behind
// the log, on a replica how far the replica is behind the stream.
#include <fmt/core.h>

#include <iostream>

#include "tools/command.h"

namespace annal::cli {

Run AddStatus(CLI::App& app, const Globals& g) {
  app.add_subcommand("status", "print the log head and the projections' lag");
  return [&g] {
    auto view = OpenForReading(g, "status");
    if (!view) return kFailed;
    auto lag = view->snapshot->ProjectionLag();
    if (!lag.ok()) {
      std::cerr << "annal status: " << lag.status().ToString() << "\n";
      return kFailed;
    }
    fmt::print("log head seq {}\nprojections at seq {}\nlag {} events, {:.3f} s\n",
               lag->head_seq, lag->projected_seq, lag->events, lag->micros / 1e6);
    auto mode = view->snapshot->StoreMode();
    if (mode.ok() && *mode == "replica") {
      // What the replica last saw of the stream's end (`annal replica`).
      const uint64_t end =
          view->engine->ReadMarker(Engine::Marker::kStreamEnd).value_or(0);
      fmt::print("replica of a stream ending at seq {}\nreplica lag {} events\n", end,
                 end > lag->head_seq ? end - lag->head_seq : 0);
    }
    // What the stream acknowledged to `annal ship` (0: never shipped).
    if (auto shipped = view->engine->ReadMarker(Engine::Marker::kShipped);
        shipped.ok() && *shipped > 0) {
      fmt::print("shipped through seq {}\nship lag {} events\n", *shipped,
                 lag->head_seq > *shipped ? lag->head_seq - *shipped : 0);
    }
    return kOk;
  };
}

}  // namespace annal::cli
