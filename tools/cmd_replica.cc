// annal --db DIR replica --nats URL[,URL...] [--stream NAME] [--once]:
// makes DIR a replica of the stream, or continues one (docs/replication.md).
#include <fmt/core.h>

#include <iostream>

#include "tools/command.h"
#include "tools/nats_flags.h"

namespace annal::cli {

static Run AddReplica(CLI::App& app, const Globals& g) {
  auto* cmd =
      app.add_subcommand("replica", "follow a NATS JetStream stream as a replica");
  auto flags = std::make_shared<NatsFlags>();
  auto follow = std::make_shared<replication::FollowSettings>();
  AddNatsFlags(cmd, *flags);
  AddKeyFileFlag(cmd, *flags);
  cmd->add_option("--batch", follow->batch, "records per write transaction")
      ->check(Decimal(1, 100000))
      ->capture_default_str();
  cmd->add_flag("--once", follow->once, "stop once the store holds the stream's end");
  return [&g, flags, follow] {
    auto engine = OpenOrReport(g, Options{});
    follow->nats = flags->Parsed();
    if (!LoadKeyFile(*flags, "replica", &follow->kek)) return kFailed;
    InstallStopSignals();
    auto reached = replication::Follow(*engine, *follow, replication_stop);
    if (!reached.ok()) {
      // A record that fails its checks came from the stream, not from a
      // damaged store: exit 1 (docs/replication.md), whatever its code.
      Report("replica", reached.status());
      return kFailed;
    }
    fmt::print("replica holds seq {} of stream {}\n", reached->seq, follow->nats.stream);
    return kOk;
  };
}

ANNAL_COMMAND("replica", AddReplica);

}  // namespace annal::cli
