// annal --db DIR verify [--json] [--log-only] [--quick]: rebuild every
// projection from the log into scratch space and compare it with the live
// one. Exit 0 when identical, 1 when any differs, 2 when it could not run (a
// bad log record among others, named by its seq; for --quick, nothing to
// compare with).
#include <iostream>

#include "events/json_writer.h"
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
  std::printf("%-18s %-32s  %-32s\n", "projection", "running digest",
              "digest at last full verify");
  for (const auto& e : check->projections) {
    std::printf("%-18s %-32s  %-32s  %s\n", e.projection.c_str(), e.live.c_str(),
                e.verified.c_str(),
                !check->verified       ? ""
                : e.live == e.verified ? "same"
                                       : "DIFFERENT");
  }
  if (!check->verified) {
    std::printf("no full verify recorded yet: run `annal verify`\n");
    return kUsage;
  }
  if (!check->comparable()) {
    std::printf(
        "%llu events appended since the last full verify (at seq %llu): digests cannot "
        "be compared; run `annal verify`\n",
        static_cast<unsigned long long>(check->head_seq - check->verified_seq),
        static_cast<unsigned long long>(check->verified_seq));
    return kUsage;
  }
  std::printf(check->identical() ? "running digests equal those of the last full verify\n"
                                 : "running digests differ from the last full verify\n");
  return check->identical() ? kOk : kFailed;
}

void PrintLog(const LogCheck& log) {
  std::printf("log: %llu events, head seq %llu, chain hash %s\n",
              static_cast<unsigned long long>(log.events),
              static_cast<unsigned long long>(log.head_seq), log.head_hash.c_str());
}

void PrintTable(const VerifyReport& r) {
  std::printf("%-18s %12s %14s  %s\n", "projection", "rows live", "rows rebuilt",
              "identical");
  for (const auto& p : r.projections) {
    std::printf("%-18s %12llu %14llu  %s\n", p.projection.c_str(),
                static_cast<unsigned long long>(p.rows_live),
                static_cast<unsigned long long>(p.rows_rebuilt),
                p.identical ? "yes" : "NO");
  }
  for (const auto& p : r.projections) {
    for (const auto& d : p.differences) {
      std::printf("difference in %s at %s: %s\n", d.sub_database.c_str(), d.key.c_str(),
                  d.what.c_str());
    }
  }
  PrintLog(r.log);
  std::printf(r.identical()
                  ? "every projection equals the log's replay\n"
                  : "projections differ from the log's replay: run `annal rebuild`\n");
}

std::string ToJson(const VerifyReport& r) {
  std::string out;
  {
    internal::JsonObject o(out);
    o.Field("identical", r.identical());
    o.Field("events", r.log.events), o.Field("head_seq", r.log.head_seq);
    o.Field("head_hash", r.log.head_hash);
    out += ",\"projections\":[";
    for (size_t i = 0; i < r.projections.size(); ++i) {
      const auto& p = r.projections[i];
      if (i) out += ',';
      internal::JsonObject po(out);
      po.Field("projection", p.projection), po.Field("rows_live", p.rows_live);
      po.Field("rows_rebuilt", p.rows_rebuilt), po.Field("identical", p.identical);
      po.Field("digest", p.digest);
      out += ",\"differences\":[";
      for (size_t j = 0; j < p.differences.size(); ++j) {
        if (j) out += ',';
        internal::JsonObject d(out);
        d.Field("sub_database", p.differences[j].sub_database);
        d.Field("key", p.differences[j].key), d.Field("what", p.differences[j].what);
      }
      out += ']';
    }
    out += ']';
  }
  return out + "\n";
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
    std::fputs(ToJson(*report).c_str(), stdout);
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
