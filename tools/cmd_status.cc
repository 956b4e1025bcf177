// annal --db DIR status: the log's head, how far the projections are behind
// it (events and time), and the chain's head.
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
    return kOk;
  };
}

}  // namespace annal::cli
