// annal --db DIR verify [--json] [--log-only] [--quick]: rebuild every
// projection from the log into scratch space and compare it with the live
// one. Exit 0 when identical, 1 when any differs, 2 when it could not run (a
// bad log record among others, named by its seq; for --quick, nothing to
// compare with).
#include <fmt/core.h>

#include <iostream>

#include "annal/jsonl.h"
#include "tools/command.h"
#include "tools/progress.h"

namespace annal::cli {
namespace {

struct VerifyFlags {
  bool json = false;
  bool log_only = false;
  bool quick = false;
};

int Quick(Engine& engine) {
  auto check = engine.VerifyQuick();
  if (!check.ok()) {
    std::cerr << "annal verify: " << check.status().ToString() << "\n";
    return kUsage;
  }
  fmt::print("{:<18} {:<32}  {:<32}\n", "projection", "running digest",
             "digest at last full verify");
  for (const auto& e : check->projections) {
    fmt::print("{:<18} {:<32}  {:<32}  {}\n", e.projection, e.live, e.verified,
               !check->verified       ? ""
               : e.live == e.verified ? "same"
                                      : "DIFFERENT");
  }
  if (!check->verified) {
    fmt::print("no full verify recorded yet: run `annal verify`\n");
    return kUsage;
  }
  if (!check->comparable()) {
    fmt::print(
        "{} events appended since the last full verify (at seq {}): digests cannot be "
        "compared; run `annal verify`\n",
        check->head_seq - check->verified_seq, check->verified_seq);
    return kUsage;
  }
  fmt::print("{}", check->identical()
                       ? "running digests equal those of the last full verify\n"
                       : "running digests differ from the last full verify\n");
  return check->identical() ? kOk : kFailed;
}

void PrintLog(const LogCheck& log) {
  fmt::print("log: {} events, head seq {}, chain hash {}\n", log.events, log.head_seq,
             log.head_hash);
}

void PrintTable(const VerifyReport& r) {
  fmt::print("{:<18} {:>12} {:>14}  {}\n", "projection", "rows live", "rows rebuilt",
             "identical");
  for (const auto& p : r.projections) {
    fmt::print("{:<18} {:>12} {:>14}  {}\n", p.projection, p.rows_live, p.rows_rebuilt,
               p.identical ? "yes" : "NO");
  }
  for (const auto& p : r.projections) {
    for (const auto& d : p.differences) {
      fmt::print("difference in {} at {}: {}\n", d.sub_database, d.key, d.what);
    }
  }
  PrintLog(r.log);
  fmt::print("{}",
             r.identical()
                 ? "every projection equals the log's replay\n"
                 : "projections differ from the log's replay: run `annal rebuild`\n");
}

int Verify(const Globals& g, const VerifyFlags& f) {
  Options options;
  options.create_if_missing = false;
  options.read_only = f.log_only || f.quick;
  auto engine = OpenOrReport(g, options);
  if (!engine) return kUsage;
  if (f.quick) return Quick(*engine);
  ProgressBar bar(f.log_only ? "checking the log:" : "replaying:");
  if (f.log_only) {
    auto log = engine->VerifyLog(bar.fn());
    if (!log.ok()) {
      std::cerr << "annal verify: " << log.status().ToString() << "\n";
      return kUsage;
    }
    PrintLog(*log);
    return kOk;
  }
  auto report = engine->Verify(bar.fn());
  if (!report.ok()) {
    std::cerr << "annal verify: " << report.status().ToString() << "\n";
    return kUsage;
  }
  if (f.json) {
    std::cout << ToJson(*report) << std::flush;
  } else {
    PrintTable(*report);
  }
  return report->identical() ? kOk : kFailed;
}

}  // namespace

Run AddVerify(CLI::App& app, const Globals& g) {
  auto f = std::make_shared<VerifyFlags>();
  auto* cmd = app.add_subcommand(
      "verify", "rebuild every projection from the log into scratch space and compare");
  cmd->add_flag("--json", f->json, "print the report as one JSON object");
  cmd->add_flag("--log-only", f->log_only,
                "check only the log's hash chain and print its head hash");
  cmd->add_flag("--quick", f->quick,
                "compare running digests with the last full verify's, reading no rows");
  return [&g, f] { return Verify(g, *f); };
}

}  // namespace annal::cli
