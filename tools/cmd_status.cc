// annal --db DIR status: the log's head, how far the projections are behind
// it (events and time), and the chain's head.
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
    std::printf("log head seq %llu\nprojections at seq %llu\nlag %llu events, %.3f s\n",
                static_cast<unsigned long long>(lag->head_seq),
                static_cast<unsigned long long>(lag->projected_seq),
                static_cast<unsigned long long>(lag->events), lag->micros / 1e6);
    return kOk;
  };
}

}  // namespace annal::cli
