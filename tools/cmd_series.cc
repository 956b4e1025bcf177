// annal --db DIR series NAME [--from T] [--to T]: a chart's per-minute rows
// (queue, alarms, events, appends) as JSONL, from the bucket holding T (µs)
// to the one holding the other T (docs/projections.md, "series").
#include <algorithm>
#include <iostream>

#include "annal/jsonl.h"
#include "tools/command.h"

namespace annal::cli {

namespace {
struct SeriesArgs {
  std::string name;
  std::optional<int64_t> from, to;
};
}  // namespace

static Run AddSeries(CLI::App& app, const Globals& g) {
  auto* cmd = app.add_subcommand("series", "print a chart's per-minute rows as JSONL");
  auto a = std::make_shared<SeriesArgs>();
  cmd->add_option("NAME", a->name, "queue, alarms, events or appends")->required();
  cmd->add_option("--from", a->from, "from the minute holding this time (µs)");
  cmd->add_option("--to", a->to, "up to the minute holding this time (µs)");
  return [&g, a] {
    if (std::find(std::begin(kSeriesTables), std::end(kSeriesTables), a->name) ==
        std::end(kSeriesTables)) {
      std::cerr << "annal series: no series " << a->name
                << " (one of queue, alarms, events, appends)\n";
      return kUsage;
    }
    auto view = OpenForReading(g, "series");
    Snapshot::TableQuery q{.table = a->name, .limit = 10000};
    if (a->from) q.from = Value{SeriesBucketOf(*a->from)};
    if (a->to) q.to = Value{SeriesBucketOf(*a->to)};
    const auto spec = view.snapshot->Table(kSeriesProjection, a->name);
    std::string after;
    Out out;
    for (;;) {
      q.after = after;
      auto page = view.snapshot->TableRows(kSeriesProjection, q);
      if (!page.ok()) return Report("series", page.status());
      for (const TableRow& r : page->rows) {
        AppendJson(out.buf(), *spec, r);
        out.EndLine();
      }
      if (!page->next) break;
      after = *page->next;
    }
    out.Flush();
    return kOk;
  };
}

ANNAL_COMMAND("series", AddSeries);

}  // namespace annal::cli
