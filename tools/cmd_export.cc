// annal --db DIR export: the log as JSONL, seq included, in seq order.
#include <iostream>

#include "annal/jsonl.h"
#include "tools/command.h"

namespace annal::cli {

static Run AddExport(CLI::App& app, const Globals& g) {
  app.add_subcommand("export", "print the audit log as JSONL, seq included");
  return [&g] {
    auto view = OpenForReading(g, "export");
    Out out;
    Status st = view.snapshot->ScanLog(1, [&](const LoggedEvent& ev) {
      AppendJson(out.buf(), ev.event, ev.seq);
      out.EndLine();
      return true;
    });
    out.Flush();
    if (!st.ok()) {
      return Report("export", st);
    }
    return kOk;
  };
}

ANNAL_COMMAND("export", AddExport);

}  // namespace annal::cli
