// annal --db DIR history KIND ID [--after SEQ] [--limit N]: one entity's
// audit trail as `annal export` lines, from the audit_trail index, never a
// scan (docs/projections.md, "audit_trail").
#include <fmt/core.h>

#include <iostream>

#include "annal/jsonl.h"
#include "tools/command.h"

namespace annal::cli {

namespace {
struct HistoryArgs {
  std::string kind, id;
  uint64_t after = 0;
  size_t limit = 0;  // 0: all
};
}  // namespace

static Run AddHistory(CLI::App& app, const Globals& g) {
  auto* cmd = app.add_subcommand("history", "print one entity's audit trail as JSONL");
  auto a = std::make_shared<HistoryArgs>();
  cmd->add_option(
         "KIND", a->kind,
         "task, schedule, watcher, rule, integration, tool_call, approval or alarm")
      ->required();
  cmd->add_option("ID", a->id, "the entity's id")->required();
  cmd->add_option("--after", a->after, "start after this seq");
  cmd->add_option("--limit", a->limit, "print at most N lines")
      ->check(Decimal(1, 1 << 30));
  return [&g, a] {
    auto view = OpenForReading(g, "history");
    auto page =
        view.snapshot->History(a->kind, a->id, a->after,
                               a->limit ? std::optional<size_t>(a->limit) : std::nullopt);
    if (!page.ok()) return Report("history", page.status());
    if (!*page) {
      std::cerr << "annal history: no " << a->kind << " " << a->id << " in the log\n";
      return kFailed;
    }
    Out out;
    for (const LoggedEvent& ev : (*page)->events) {
      AppendJson(out.buf(), ev.event, ev.seq);
      out.EndLine();
    }
    out.Flush();
    return kOk;
  };
}

ANNAL_COMMAND("history", AddHistory);

}  // namespace annal::cli
