// annal --db DIR verify [--json] [--log-only] [--quick] [--read-only]:
// rebuild every projection from the log into scratch space and compare it
// with the live one. A store holding projections this command did not load
// (--plugin), or asked --read-only, is verified read-only: replayed into a
// private temporary store, the rest compared, what it skips said. Exit 0
// when identical, 1 when any differs, 2 when it could not run (a bad log
// record among others, named by its seq; for --quick, nothing to compare
// with).
#include <fmt/core.h>

#include <iostream>

#include "annal/jsonl.h"
#include "annal/query.h"
#include "tools/command.h"
#include "tools/progress.h"

namespace annal::cli {
namespace {

struct VerifyFlags {
  bool json = false;
  bool log_only = false;
  bool quick = false;
  bool read_only = false;
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

// Whether the store holds a projection this command did not load: then
// only a read-only verify can run. Probed read-only and quietly: a store a
// read-only open refuses (one that has not built a loaded projection yet)
// is the writable open's to report on, or to build.
bool MissesProjections(const Globals& g) {
  Options options;
  options.create_if_missing = false;
  options.read_only = true;
  options.check_pages = false;  // the open that verifies walks the pages once
  options.allow_other_owner = g.allow_other_owner;
  options.projections = g.projections;
  options.upcasters = g.upcasters;
  auto opened = Engine::Open(g.db, options);
  if (!opened.ok()) return false;
  const Engine& engine = **opened;
  auto snap = engine.Read();
  auto recorded = snap.ok() ? snap->RecordedProjections() : snap.status();
  if (!recorded.ok()) return false;  // the writer's open says what is wrong
  for (const auto& [name, version] : *recorded) {
    bool loaded = IsBuiltInProjection(name);
    for (const auto& p : engine.projections()) loaded |= p->name() == name;
    if (!loaded) return true;
  }
  return false;
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
  for (const auto& k : r.skipped) {
    fmt::print("skipped projection {}: {}\n", k.projection, k.why);
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
  // A writer records what it verified (for --quick); one that cannot open
  // for writing, for want of a projection's plugin, verifies the rest.
  options.read_only = f.log_only || f.quick || f.read_only || MissesProjections(g);
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

static Run AddVerify(CLI::App& app, const Globals& g) {
  auto f = std::make_shared<VerifyFlags>();
  auto* cmd = app.add_subcommand(
      "verify", "rebuild every projection from the log into scratch space and compare");
  cmd->add_flag("--json", f->json, "print the report as one JSON object");
  cmd->add_flag("--log-only", f->log_only,
                "check only the log's hash chain and print its head hash");
  cmd->add_flag("--read-only", f->read_only,
                "replay into a private temporary store, writing nothing to this one");
  cmd->add_flag("--quick", f->quick,
                "compare running digests with the last full verify's, reading no rows");
  return [&g, f] { return Verify(g, *f); };
}

ANNAL_COMMAND("verify", AddVerify);

}  // namespace annal::cli
