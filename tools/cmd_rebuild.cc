// annal --db DIR rebuild: rebuild every projection from the log and put it in
// place of the live one, atomically, while appends and reads go on.
#include <fmt/core.h>

#include <iostream>

#include "tools/command.h"
#include "tools/progress.h"

namespace annal::cli {

static Run AddRebuild(CLI::App& app, const Globals& g) {
  app.add_subcommand("rebuild", "rebuild every projection from the log and make it live");
  return [&g] {
    Options options;
    options.create_if_missing = false;
    auto engine = OpenOrReport(g, options);
    ProgressBar bar("rebuilding:");
    if (Status st = engine->Rebuild(bar.fn()); !st.ok()) {
      return Report("rebuild", st);
    }
    fmt::print("rebuilt every projection from the log\n");
    return kOk;
  };
}

ANNAL_COMMAND("rebuild", AddRebuild);

}  // namespace annal::cli
