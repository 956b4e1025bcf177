// annal --db DIR ship --nats URL[,URL...] [--stream NAME] [--replicas R]
// [--window N] [--once]: publishes the log to the JetStream stream, one
// message per record, stream sequence = log seq (docs/replication.md).
#include <fmt/core.h>

#include <iostream>

#include "tools/command.h"
#include "tools/nats_flags.h"

namespace annal::cli {

static Run AddShip(CLI::App& app, const Globals& g) {
  auto* cmd = app.add_subcommand("ship", "publish the log to a NATS JetStream stream");
  auto flags = std::make_shared<NatsFlags>();
  auto ship = std::make_shared<replication::ShipSettings>();
  AddNatsFlags(cmd, *flags);
  AddKeyFileFlag(cmd, *flags);
  cmd->add_option("--replicas", ship->replicas, "replicas of a stream ship creates")
      ->check(Decimal(1, 5))
      ->capture_default_str();
  cmd->add_option("--window", ship->window, "publishes in flight")
      ->check(Decimal(1, 1 << 20))
      ->capture_default_str();
  cmd->add_flag("--once", ship->once, "stop once the stream holds the whole log");
  return [&g, flags, ship] {
    Options options;
    options.create_if_missing = false;
    options.read_only = true;  // ship reads the log; the marker is a file beside it
    auto engine = OpenOrReport(g, options);
    ship->nats = flags->Parsed();
    if (!LoadKeyFile(*flags, "ship", &ship->kek)) return kFailed;
    InstallStopSignals();
    auto reached = replication::Ship(*engine, *ship, replication_stop);
    if (!reached.ok()) {
      // What the stream holds, not this store, failed a check: exit 1.
      Report("ship", reached.status());
      return kFailed;
    }
    fmt::print("shipped through seq {} to stream {}\n", reached->seq, ship->nats.stream);
    return kOk;
  };
}

ANNAL_COMMAND("ship", AddShip);

}  // namespace annal::cli
