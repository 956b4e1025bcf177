// Snapshot::Query: one page of a projection by name, as JSON rows; and the
// projections' fingerprints for change notification. Pages are key ranges
// read with one cursor walk: a page of 100 rows reads about 100 rows,
// wherever in the projection it starts.
#include <algorithm>
#include <functional>

#include "annal/jsonl.h"
#include "engine/page_cursor.h"
#include "engine/snapshot_impl.h"
#include "events/log_reader.h"
#include "projectors/built_in_table.h"
#include "projectors/table.h"
#include "store/meta.h"

namespace annal {

using namespace internal;

namespace {

// A walk over one sub-database: where it starts, which keys belong to the
// query, and each row's JSON.
struct Walk {
  Db db;
  bool backward = false;
  std::string first;  // the first key to consider (empty: the first of the walk)
  std::function<bool(std::string_view key)> in_range = [](std::string_view) {
    return true;
  };
  std::function<void(std::string& out, std::string_view key, std::string_view value)>
      json;
};

std::optional<Hash> CursorKey(SnapshotState& s) {
  auto v = GetInPlace(s.txn.handle(), s.Dbi(Db::kLog), keys::Seq(1));
  if (!v) return std::nullopt;
  AlignedBuf buf;
  return DecodeLogValue(1, *v, buf).hash;
}

// A row's JSON, decoded as Fb from `table`.
using RowJsonFn = void (*)(SnapshotState& s, Db table, std::string& out,
                           std::string_view key, std::string_view value);
template <class Fb>
void RowJson(SnapshotState& s, Db table, std::string& out, std::string_view key,
             std::string_view value) {
  AppendJson(out, PublicRow(s.DecodeValue<Fb>(table, key, value)));
}

// Each keyed projection's rows as JSON (the others: QueueDepthPage,
// AutonomyHistoryPage).
struct RowPrinter {
  std::string_view name;
  RowJsonFn json;
};
const RowPrinter kRowPrinters[] = {
    {"active_tasks", &RowJson<fbs::ActiveTaskRow>},
    {"schedules", &RowJson<fbs::ScheduleRow>},
    {"watchers", &RowJson<fbs::WatcherRow>},
    {"rules", &RowJson<fbs::RuleRow>},
    {"integrations", &RowJson<fbs::IntegrationRow>},
    {"approvals", &RowJson<fbs::ApprovalRow>},
    {"alarms", &RowJson<fbs::AlarmRow>},
};

// How a built-in projection of rows keyed by id is read: its table and the
// index its `due` filter walks (FiltersOf says which take it), as its
// projector declares them (Tables(); the one index the nine declare is the
// time index), and a row's JSON.
struct TableReader {
  Db table;
  std::optional<Db> due_index;
  RowJsonFn json;
};

TableReader ReaderOf(std::string_view name) {
  for (const RowPrinter& printer : kRowPrinters) {
    if (printer.name != name) continue;
    for (const DeclaredProjection& p : BuiltInTables()) {
      if (p.name != name) continue;
      const DeclaredTable& t = p.tables.front();
      std::optional<Db> due;
      if (!t.indexes.empty()) due = t.indexes.front().db;
      return {t.db, due, printer.json};
    }
  }
  throw std::logic_error("no reader for projection " + std::string(name));
}

// Each row of `r` straight from its table, or through an index naming it.
auto TableJson(SnapshotState& s, const TableReader& r) {
  return [&s, &r](std::string& out, std::string_view k, std::string_view v) {
    r.json(s, r.table, out, k, v);
  };
}
auto IndexedJson(SnapshotState& s, Db index, const TableReader& r) {
  return [&s, index, &r](std::string& out, std::string_view k, std::string_view) {
    const keys::Key id = keys::Id(keys::IndexedId(k));
    auto v = GetInPlace(s.txn.handle(), s.Dbi(r.table), id.view());
    if (!v) throw CorruptionError(std::string(Spec(index).name) + " names a missing row");
    r.json(s, r.table, out, id.view(), *v);
  };
}

// Runs `w` from after `after_key` (if any) for up to `limit` rows.
QueryPage RunWalk(SnapshotState& s, const Walk& w,
                  const std::optional<std::string>& after_key, size_t limit,
                  const std::function<std::string(std::string_view)>& cursor) {
  QueryPage page;
  Cursor c(s.txn.handle(), s.Dbi(w.db));
  std::string_view k, v;
  const MDB_cursor_op step = w.backward ? MDB_PREV : MDB_NEXT;
  bool more;
  const std::string& start = after_key ? *after_key : w.first;
  if (start.empty()) {
    more = c.Get(w.backward ? MDB_LAST : MDB_FIRST, &k, &v);
  } else if (!w.backward) {
    more = c.Seek(start, &k, &v);
    if (more && after_key && k == *after_key) more = c.Get(MDB_NEXT, &k, &v);
  } else {
    // The last key at or before `start`, then the one before it when `start` was the
    // last row returned.
    more = c.Seek(start, &k, &v);
    more = more ? (k == start ? true : c.Get(MDB_PREV, &k, &v)) : c.Get(MDB_LAST, &k, &v);
    if (more && after_key && k == *after_key) more = c.Get(MDB_PREV, &k, &v);
  }
  std::string last;
  for (; more && w.in_range(k); more = c.Get(step, &k, &v)) {
    if (page.rows.size() == limit) {
      page.next = cursor(last);
      break;
    }
    std::string json;
    w.json(json, k, v);
    page.rows.push_back(std::move(json));
    last.assign(k);
  }
  return page;
}

int ProjectionIndex(std::string_view name) {
  for (size_t i = 0; i < kProjections.size(); ++i) {
    if (kProjections[i] == name) return static_cast<int>(i);
  }
  return -1;
}

template <class Fb, class Row>
std::string SingleRowJson(SnapshotState& s, Db db) {
  std::string out;
  AppendJson(out, s.Get<Fb>(db, keys::Seq(0)).value_or(Row{}));
  return out;
}

// queue_depth: one row, always there: no page follows it, and no cursor
// names it.
Result<QueryPage> QueueDepthPage(SnapshotState& s,
                                 const std::optional<std::string>& after_key) {
  if (after_key) return Status::InvalidInput("queue_depth has a single row: no cursor");
  QueryPage page;
  page.rows.push_back(
      SingleRowJson<fbs::QueueDepthRow, QueueDepthRow>(s, Db::kQueueDepth));
  return page;
}

// autonomy_history: the current level (key seq 0) first, then the changes
// newest first.
Result<QueryPage> AutonomyHistoryPage(
    SnapshotState& s, const std::optional<std::string>& after_key, size_t limit,
    const std::function<std::string(std::string_view)>& cursor) {
  QueryPage page;
  if (!after_key) {
    page.rows.push_back(SingleRowJson<fbs::AutonomyCurrentRow, AutonomyCurrentRow>(
        s, Db::kAutonomyHistory));
  }
  Walk w;
  w.db = Db::kAutonomyHistory;
  w.backward = true;
  w.in_range = [](std::string_view k) { return keys::DecodeSeq(k) != 0; };
  w.json = [&s](std::string& out, std::string_view k, std::string_view v) {
    RowJson<fbs::AutonomyChangeRow>(s, Db::kAutonomyHistory, out, k, v);
  };
  std::optional<std::string> change_after;
  if (after_key && keys::DecodeSeq(*after_key) != 0) change_after = after_key;
  if (page.rows.size() == limit) {
    // Only the current row fits: a page follows if any change does.
    if (!RunWalk(s, w, std::nullopt, 1, cursor).rows.empty())
      page.next = cursor(keys::Seq(0).view());
    return page;
  }
  QueryPage rest = RunWalk(s, w, change_after, limit - page.rows.size(), cursor);
  for (auto& r : rest.rows) page.rows.push_back(std::move(r));
  page.next = std::move(rest.next);
  return page;
}

}  // namespace

Result<QueryPage> Snapshot::Query(std::string_view name, const QueryOptions& o) const {
  return Guard([&]() -> Result<QueryPage> {
    SnapshotState& s = *impl_;
    const int index = ProjectionIndex(name);
    if (index < 0)
      return Status::InvalidInput("no projection named " + std::string(name));
    const QueryFilters takes = FiltersOf(name);
    if (o.due && !takes.due)
      return Status::InvalidInput(
          "due applies to active_tasks, schedules and approvals only");
    if (o.state && !takes.state)
      return Status::InvalidInput("state applies to alarms only");
    if (o.limit == 0) return Status::InvalidInput("limit must be at least 1");

    CursorQuery q{static_cast<uint8_t>(index), o.due, o.state, s.as_of};
    const std::optional<Hash> key = CursorKey(s);
    std::optional<std::string> after_key;
    if (!o.after.empty()) {
      if (key) after_key = DecodeCursor(o.after, q, *key);
      if (!after_key)
        return Status::InvalidInput(
            "the cursor was not issued for this query of this store");
    }
    auto cursor = [&](std::string_view last) { return EncodeCursor(q, last, *key); };

    Walk w;
    const int64_t due = o.due.value_or(0);
    auto due_range = [due](std::string_view k) {
      return keys::Decode(KeyShape::kTimeId, k).time <= due;
    };
    if (name == "queue_depth") return QueueDepthPage(s, after_key);
    if (name == "autonomy_history")
      return AutonomyHistoryPage(s, after_key, o.limit, cursor);
    const TableReader reader = ReaderOf(name);
    if (o.due) {
      if (!reader.due_index)
        throw std::logic_error("no due index for " + std::string(name));
      w.db = *reader.due_index;
      w.in_range = due_range;
      w.json = IndexedJson(s, w.db, reader);
    } else if (o.state) {
      const keys::Key prefix = keys::StatePrefix(static_cast<uint8_t>(*o.state));
      w.db = Db::kAlarmsByState;
      w.first = std::string(prefix.view());
      w.in_range = [prefix](std::string_view k) { return keys::InState(k, prefix); };
      w.json = IndexedJson(s, w.db, reader);
    } else {
      w.db = reader.table;
      w.json = TableJson(s, reader);
    }
    return RunWalk(s, w, after_key, o.limit, cursor);
  });
}

Result<Fingerprints> Snapshot::ProjectionFingerprints() const {
  return Guard([&]() -> Result<Fingerprints> {
    const Digests d = ReadDigests(impl_->txn.handle(), impl_->meta(), impl_->slot);
    auto fold = [&](Db db) {
      const Digest& g = d[static_cast<size_t>(db)];
      return g.a ^ (g.b * 0x9e3779b97f4a7c15ull);
    };
    Fingerprints f;
    for (std::string_view name : kProjections) f.emplace_back(std::string(name), 0);
    for (const DbSpec& spec : kDbs) {
      if (spec.role != Role::kProjection) continue;
      for (auto& [name, print] : f) {
        if (name == spec.owner) print ^= fold(spec.db);
      }
    }
    if (impl_->declared) {
      for (const DeclaredProjection& p : *impl_->declared) {
        if (impl_->IsStale(p.name)) continue;
        uint64_t print = 0;
        for (const DeclaredTable& t : p.tables) print ^= fold(t.db);
        f.emplace_back(p.name, print);
      }
    }
    return f;
  });
}

std::optional<AlarmState> ParseAlarmState(std::string_view name) {
  const auto& names = EnumNames<AlarmState>::kNames;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<AlarmState>(i);
  }
  return std::nullopt;
}

std::vector<std::string> ChangedProjections(const Fingerprints& before,
                                            const Fingerprints& after) {
  std::vector<std::string> names;
  for (const auto& now : after) {
    auto was = std::find_if(before.begin(), before.end(),
                            [&](const auto& b) { return b.first == now.first; });
    if (was == before.end() || was->second != now.second) names.push_back(now.first);
  }
  return names;
}

}  // namespace annal
