// annal --db DIR backup DEST: a consistent, compacted copy of the store in
// the new directory DEST, taken while writers and readers go on, verified
// after copying. Restoring is opening DEST (annal --db DEST ...).
#include <fmt/core.h>

#include <iostream>

#include "tools/command.h"

namespace annal::cli {

static Run AddBackup(CLI::App& app, const Globals& g) {
  auto* cmd = app.add_subcommand(
      "backup", "copy the store, compacted and verified, into the new directory DEST");
  auto dest = std::make_shared<std::string>();
  cmd->add_option("dest", *dest, "an empty or missing directory")->required();
  return [&g, dest] {
    Options options;
    options.create_if_missing = false;
    options.read_only = true;  // the copy reads; the store is never written
    auto engine = OpenOrReport(g, options);
    auto report = engine->Backup(*dest);
    if (!report.ok()) {
      return Report("backup", report.status());
    }
    fmt::print(
        "backup of {} events (head seq {}, hash {}) in {}: {:.1f} MiB copied in {:.2f} "
        "s, "
        "verified\n",
        report->log.events, report->log.head_seq, report->log.head_hash, report->dir,
        report->bytes / 1048576.0, report->seconds);
    return kOk;
  };
}

ANNAL_COMMAND("backup", AddBackup);

}  // namespace annal::cli
