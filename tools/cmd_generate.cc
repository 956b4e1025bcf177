// annal generate N [--seed S] [--random-ids]: a realistic, valid JSONL event
// stream for tests, benchmarks and demos. Needs no store.
#include "annal/jsonl.h"
#include "annal/workload.h"
#include "tools/command.h"

namespace annal::cli {
namespace {

struct GenerateFlags {
  uint64_t count = 0;
  WorkloadOptions workload;
};

}  // namespace

static Run AddGenerate(CLI::App& app, const Globals&) {
  auto f = std::make_shared<GenerateFlags>();
  auto* cmd = app.add_subcommand("generate", "print N generated events as JSONL");
  cmd->add_option("n", f->count, "how many events")
      ->required()
      ->check(Decimal(0, UINT64_MAX));
  cmd->add_option("--seed", f->workload.seed,
                  "the stream's seed (same seed, same stream)")
      ->check(Decimal(0, UINT64_MAX));
  cmd->add_flag("--random-ids", f->workload.random_ids,
                "UUID-like ids instead of increasing ones");
  return [f] {
    Workload workload(f->workload);
    Out out;
    for (uint64_t i = 0; i < f->count; ++i) {
      AppendJson(out.buf(), workload.Next());
      out.EndLine();
    }
    return kOk;
  };
}

ANNAL_COMMAND("generate", AddGenerate);

}  // namespace annal::cli
