// Snapshot::TableRows and Snapshot::Table: the rows of projections' tables
// (declared ones', and the nine's as they declare them), in key order or an
// index's, read with one cursor walk per page, like the nine's queries.
#include "engine/page_cursor.h"
#include "engine/snapshot_impl.h"
#include "events/log_reader.h"
#include "projectors/declared_row.h"

namespace annal {

using namespace internal;

namespace {

const DeclaredTable* FindIn(const std::vector<DeclaredProjection>& projections,
                            std::string_view projection, std::string_view table) {
  for (const DeclaredProjection& p : projections) {
    if (p.name != projection) continue;
    if (table.empty()) return &p.tables.front();
    for (const DeclaredTable& t : p.tables) {
      if (t.spec.name == table) return &t;
    }
  }
  return nullptr;
}

// The nine's tables, then the engine's declared projections'.
const DeclaredTable* FindTable(const SnapshotState& s, std::string_view projection,
                               std::string_view table) {
  if (IsBuiltInProjection(projection)) return FindIn(BuiltInTables(), projection, table);
  return s.declared ? FindIn(*s.declared, projection, table) : nullptr;
}

std::optional<Hash> FirstHash(SnapshotState& s) {
  auto v = GetInPlace(s.txn.handle(), s.Dbi(Db::kLog), keys::Seq(1));
  if (!v) return std::nullopt;
  AlignedBuf buf;
  return DecodeLogValue(1, *v, buf).hash;
}

// Where a page starts and ends: in the table in key order, or in one of its
// indexes from `from` to `to` on its first field.
struct Walk {
  Db db;
  const DeclaredIndex* index = nullptr;
  std::optional<keys::Key> from, to;
};

Result<Walk> PlanWalk(const DeclaredTable& t, const Snapshot::TableQuery& q) {
  Walk w{t.db};
  if (q.index.empty()) {
    if (!q.from && !q.to) return w;
    // Bounds on the key's first field (a built-in table's key is its own).
    if (t.read) return Status::InvalidInput("a bound (from, to) needs an index");
    const IndexField first{true, 0, t.spec.key.front().type};
    try {
      if (q.from) w.from = EncodeIndexBound(first, *q.from);
      if (q.to) w.to = EncodeIndexBound(first, *q.to);
    } catch (const std::invalid_argument& e) {
      return Status::InvalidInput("table " + t.spec.name + ": " + e.what());
    }
    return w;
  }
  for (const DeclaredIndex& ix : t.indexes) {
    if (ix.name == q.index) w.index = &ix;
  }
  if (!w.index) {
    return Status::InvalidInput("table " + t.spec.name + " has no index " +
                                std::string(q.index));
  }
  w.db = w.index->db;
  try {
    if (q.from) w.from = EncodeIndexBound(w.index->fields.front(), *q.from);
    if (q.to) w.to = EncodeIndexBound(w.index->fields.front(), *q.to);
  } catch (const std::invalid_argument& e) {
    return Status::InvalidInput("index " + w.index->name + ": " + e.what());
  }
  return w;
}

// The row at `key` in the table, checked.
TableRow ReadRow(SnapshotState& s, const DeclaredTable& t, std::string_view key,
                 std::string_view value) {
  if (t.read) {
    if (auto row = t.read(s.Aligned(value))) return std::move(*row);
    throw CorruptionError("corrupt row in " + std::string(Spec(t.db).name) +
                          " at key of " + std::to_string(key.size()) + " bytes");
  }
  auto key_values = DecodeTableKey(t.spec, key);
  auto fields = DecodeTableRow(t.spec, s.Aligned(value));
  if (!key_values || !fields) {
    throw CorruptionError("a damaged row in " + std::string(Spec(t.db).name) + " at " +
                          std::to_string(key.size()) + "-byte key");
  }
  for (Value& v : *fields) {  // sealed personal values copied by the projection
    if (auto* text = std::get_if<std::string>(&v); text && LooksSealed(*text))
      *text = std::string(s.Opened(*text));
  }
  return {std::move(*key_values), std::move(*fields)};
}

}  // namespace

std::optional<TableSpec> Snapshot::Table(std::string_view projection,
                                         std::string_view table) const {
  const DeclaredTable* t = FindTable(*impl_, projection, table);
  if (!t) return std::nullopt;
  return t->spec;
}

Result<TablePage> Snapshot::TableRows(std::string_view projection,
                                      const TableQuery& q) const {
  return Guard([&]() -> Result<TablePage> {
    SnapshotState& s = *impl_;
    const DeclaredTable* t = FindTable(s, projection, q.table);
    if (!t && IsBuiltInProjection(projection)) {
      return Status::InvalidInput("projection " + std::string(projection) +
                                  " has no table " + std::string(q.table));
    }
    if (!t) {
      return Status::InvalidInput(
          "no declared projection " + std::string(projection) +
          (q.table.empty() ? "" : " with a table " + std::string(q.table)));
    }
    if (q.limit && *q.limit == 0) return Status::InvalidInput("a limit of 0");
    auto w = PlanWalk(*t, q);
    if (!w.ok()) return w.status();
    CursorQuery cq;
    cq.projection = kDeclaredCursor;
    cq.table = Spec(w->db).name;
    // Two of the nine's tables share a sub-database: a cursor names its table.
    if (t->read) cq.table += "." + t->spec.name;
    if (w->from) cq.bounds += "f" + std::string(w->from->view());
    if (w->to) cq.bounds += "t" + std::string(w->to->view());
    cq.as_of = s.as_of;
    const std::optional<Hash> key = FirstHash(s);
    std::optional<std::string> after_key;
    if (!q.after.empty()) {
      if (key) after_key = DecodeCursor(q.after, cq, *key);
      if (!after_key)
        return Status::InvalidInput("a cursor not issued for this query of this store");
    }
    TablePage page;
    Cursor c(s.txn.handle(), s.Dbi(w->db));
    std::string_view k, v;
    bool more = after_key                            ? c.Seek(*after_key, &k, &v)
                : w->from                            ? c.Seek(w->from->view(), &k, &v)
                : !w->index && !t->first_key.empty() ? c.Seek(t->first_key, &k, &v)
                                                     : c.Get(MDB_FIRST, &k, &v);
    if (more && after_key && k == *after_key) more = c.Get(MDB_NEXT, &k, &v);
    std::string last;
    for (; more; more = c.Get(MDB_NEXT, &k, &v)) {
      // Past the bound is checked first: `next` is null exactly when no row
      // follows.
      std::optional<IndexKeyParts> parts;
      if (w->index) {
        parts = SplitIndexKey(w->index->fields, k);
        if (!parts) {
          throw CorruptionError("a damaged key in " + std::string(Spec(w->db).name) +
                                " of " + std::to_string(k.size()) + " bytes");
        }
        if (w->to && k.substr(0, parts->first_field_bytes) > w->to->view()) break;
      } else if (!t->last_key.empty() && k > t->last_key) {
        break;
      } else if (w->to && k.substr(0, w->to->view().size()) > w->to->view()) {
        break;  // past the bound on the key's first field
      }
      if (q.limit && page.rows.size() == *q.limit) {
        page.next = EncodeCursor(cq, last, *key);
        break;
      }
      if (!w->index) {
        page.rows.push_back(ReadRow(s, *t, k, v));
      } else {
        auto row = GetInPlace(s.txn.handle(), s.Dbi(t->db), parts->row_key);
        if (!row) {
          throw CorruptionError("an entry of " + std::string(Spec(w->db).name) +
                                " names no row of " + std::string(Spec(t->db).name));
        }
        page.rows.push_back(ReadRow(s, *t, parts->row_key, *row));
      }
      last.assign(k);
    }
    return page;
  });
}

}  // namespace annal
