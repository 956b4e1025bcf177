// annal --db DIR query NAME [--due T] [--state S] [--as-of SEQ] [--table T
// [--index I [--from V] [--to V]]]: a projection's rows as JSONL, in its
// query order (Snapshot::Query, Snapshot::TableRows).
#include <iostream>
#include <optional>
#include <tuple>

#include "annal/jsonl.h"
#include "tools/command.h"

namespace annal::cli {
namespace {

struct QueryFlags {
  std::string name;
  std::optional<int64_t> due;
  std::optional<std::string> state;
  std::optional<uint64_t> as_of;
  std::string table;
  std::string index;
  std::optional<std::string> from, to;
};

// A declared projection's table (annal/projection.h), a page at a time.
int QueryTable(Snapshot& snap, const QueryFlags& f) {
  const std::optional<TableSpec> spec = snap.Table(f.name, f.table);
  Snapshot::TableQuery q{.table = f.table, .limit = 10000, .index = f.index};
  for (auto [text, bound, flag] :
       {std::tuple(&f.from, &q.from, "--from"), std::tuple(&f.to, &q.to, "--to")}) {
    if (!*text) continue;
    *bound = spec ? ParseIndexBound(*spec, f.index, **text) : std::nullopt;
    if (!*bound) {
      std::cerr << "annal query: " << flag << " " << **text
                << " is not a value of the first field of the --index given, or else of "
                   "the table's key\n";
      return kUsage;
    }
  }
  std::string after;
  Out out;
  for (;;) {
    q.after = after;
    auto page = snap.TableRows(f.name, q);
    if (!page.ok()) return Report("query", page.status(), kUsage);
    for (const TableRow& row : page->rows) {
      AppendJson(out.buf(), *spec, row);
      out.EndLine();
    }
    if (!page->next) return kOk;
    after = std::move(*page->next);
  }
}

int Query(const Globals& g, const QueryFlags& f) {
  QueryOptions options;
  options.due = f.due;
  // Streamed a page at a time from one snapshot: the same rows as one page.
  options.limit = 10000;
  if (f.state) {
    options.state = ParseAlarmState(*f.state);
    if (!options.state) {
      std::cerr << "annal query: --state must be open, acked or resolved\n";
      return kUsage;
    }
  }
  ReadView view = OpenForReading(g, "query");
  if (f.as_of) {
    view.snapshot.reset();
    auto past = view.engine->ReadAsOf(*f.as_of);
    if (!past.ok()) {
      return Report("query", past.status(), kUsage);
    }
    view.snapshot.emplace(std::move(past.value()));
  }
  // A built-in projection's rows in its own order and filters, or any
  // projection's table through the generic reader (docs/projections.md).
  const bool by_table = !f.table.empty() || !f.index.empty() || f.from || f.to;
  if (!IsBuiltInProjection(f.name) || by_table) {
    if (f.due || f.state) {
      std::cerr << (by_table ? "annal query: --due and --state do not go with --table, "
                               "--index, --from or --to\n"
                             : "annal query: --due and --state are for built-in "
                               "projections\n");
      return kUsage;
    }
    return QueryTable(*view.snapshot, f);
  }
  Out out;
  for (;;) {
    auto page = view.snapshot->Query(f.name, options);
    if (!page.ok()) {
      return Report("query", page.status(), kUsage);
    }
    for (const std::string& row : page->rows) {
      out.buf() += row;
      out.EndLine();
    }
    if (!page->next) return kOk;
    options.after = std::move(*page->next);
  }
}

}  // namespace

static Run AddQuery(CLI::App& app, const Globals& g) {
  auto f = std::make_shared<QueryFlags>();
  auto* cmd = app.add_subcommand("query", "print a projection's rows as JSONL");
  cmd->add_option("name", f->name,
                  "projection name without proj_: a built-in one, or one a --plugin "
                  "declares")
      ->required();
  cmd->add_option(
      "--table", f->table,
      "a table of the projection (default: its first), read through the generic "
      "reader: docs/projections.md lists the built-in ones' tables");
  cmd->add_option("--index", f->index, "list the table in the order of this index of it");
  cmd->add_option("--from", f->from,
                  "from this value of the first field of --index, or else of the key");
  cmd->add_option("--to", f->to,
                  "up to this value of the first field of --index, or else of the key");
  cmd->add_option(
         "--due", f->due,
         "only rows due at or before T (active_tasks: paused tasks by wake time; "
         "schedules: by next_run_at; approvals: by expires_at)")
      ->check(SignedDecimal(INT64_MIN, INT64_MAX));
  cmd->add_option("--state", f->state, "alarms in this state: open, acked or resolved");
  cmd->add_option("--as-of", f->as_of,
                  "the rows as they were right after the event with this seq (0 to the "
                  "head), recomputed from the log")
      ->check(Decimal(0, UINT64_MAX));
  return [&g, f] { return Query(g, *f); };
}

ANNAL_COMMAND("query", AddQuery);

}  // namespace annal::cli
