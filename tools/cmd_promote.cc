// annal --db DIR promote: a replica becomes a primary that continues the
// same seqs and hash chain (docs/replication.md, "Failover").
#include <fmt/core.h>

#include <iostream>

#include "annal/replication.h"
#include "tools/command.h"

namespace annal::cli {

static Run AddPromote(CLI::App& app, const Globals& g) {
  app.add_subcommand("promote", "make a replica a primary that accepts appends");
  return [&g] {
    Options options;
    options.create_if_missing = false;
    auto engine = OpenOrReport(g, options);
    if (Status st = StoreReplication(*engine).Promote(); !st.ok()) {
      return Report("promote", st);
    }
    auto snap = engine->Read();
    auto head = snap.ok() ? snap->LastSeq() : Result<uint64_t>(snap.status());
    fmt::print("{} is a primary; its next append is seq {}\n", g.db,
               head.ok() ? *head + 1 : 0);
    return kOk;
  };
}

ANNAL_COMMAND("promote", AddPromote);

}  // namespace annal::cli
