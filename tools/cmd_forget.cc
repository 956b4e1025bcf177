// annal --db DIR forget SUBJECT: erasure (docs/security.md). Logs
// SubjectForgotten and destroys the subject's key in the same commit: from
// then on its personal values read erased everywhere, the hash chain intact.
#include <fmt/core.h>

#include "tools/command.h"

namespace annal::cli {

static Run AddForget(CLI::App& app, const Globals& g) {
  auto* cmd = app.add_subcommand(
      "forget", "destroy a subject's key: its personal values read erased from now on");
  auto subject = std::make_shared<std::string>();
  cmd->add_option("SUBJECT", *subject, "the subject, as events named it")->required();
  return [&g, subject] {
    Options options;
    options.create_if_missing = false;
    auto engine = OpenOrReport(g, options);
    auto receipt = engine->Forget(*subject);
    if (!receipt.ok()) return Report("forget", receipt.status());
    fmt::print(
        "forgot {} at seq {}: its key is destroyed; backups taken before hold it still "
        "(docs/security.md)\n",
        *subject, receipt->first_seq);
    return kOk;
  };
}

ANNAL_COMMAND("forget", AddForget);

}  // namespace annal::cli
