// annal --db DIR export: the log as JSONL, seq included, in seq order; each
// event in its type's current shape (through the loaded upcasters), or with
// --as-written as logged.
#include <iostream>

#include "annal/jsonl.h"
#include "tools/command.h"

namespace annal::cli {

static Run AddExport(CLI::App& app, const Globals& g) {
  auto* cmd = app.add_subcommand("export", "print the audit log as JSONL, seq included");
  auto as_written = std::make_shared<bool>(false);
  cmd->add_flag("--as-written", *as_written,
                "each event as logged, not through the upcasters of --plugin (what an "
                "import elsewhere replays; docs/events.md, \"Evolution\")");
  return [&g, as_written] {
    auto view = OpenForReading(g, "export");
    Out out;
    Status st = view.snapshot->ScanLog(
        1,
        [&](const LoggedEvent& ev) {
          AppendJson(out.buf(), ev.event, ev.seq);
          out.EndLine();
          return true;
        },
        *as_written ? Snapshot::LogView::kAsWritten : Snapshot::LogView::kCurrent);
    out.Flush();
    if (!st.ok()) {
      return Report("export", st);
    }
    return kOk;
  };
}

ANNAL_COMMAND("export", AddExport);

}  // namespace annal::cli
