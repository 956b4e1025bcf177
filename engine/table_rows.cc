// Snapshot::TableRows and Snapshot::Table: the rows of declared projections'
// tables, read with one cursor walk per page, like the nine's queries.
#include "engine/cursor.h"
#include "engine/snapshot_impl.h"
#include "events/log_reader.h"
#include "projectors/declared_row.h"

namespace annal {

using namespace internal;

namespace {

const DeclaredTable* FindTable(const SnapshotState& s, std::string_view projection,
                               std::string_view table) {
  if (!s.declared) return nullptr;
  for (const DeclaredProjection& p : *s.declared) {
    if (p.name != projection) continue;
    if (table.empty()) return &p.tables.front();
    for (const DeclaredTable& t : p.tables) {
      if (t.spec.name == table) return &t;
    }
  }
  return nullptr;
}

std::optional<Hash> FirstHash(SnapshotState& s) {
  auto v = GetInPlace(s.txn.handle(), s.Dbi(Db::kLog), keys::Seq(1));
  if (!v) return std::nullopt;
  AlignedBuf buf;
  return DecodeLogValue(1, *v, buf).hash;
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
    if (!t) {
      return Status::InvalidInput(
          "no declared projection " + std::string(projection) +
          (q.table.empty() ? "" : " with a table " + std::string(q.table)));
    }
    if (q.limit && *q.limit == 0) return Status::InvalidInput("a limit of 0");
    CursorQuery cq;
    cq.projection = kDeclaredCursor;
    cq.table = Spec(t->db).name;
    cq.as_of = s.as_of;
    const std::optional<Hash> key = FirstHash(s);
    std::optional<std::string> after_key;
    if (!q.after.empty()) {
      if (key) after_key = DecodeCursor(q.after, cq, *key);
      if (!after_key)
        return Status::InvalidInput("a cursor not issued for this table of this store");
    }
    TablePage page;
    Cursor c(s.txn.handle(), s.Dbi(t->db));
    std::string_view k, v;
    bool more = after_key ? c.Seek(*after_key, &k, &v) : c.Get(MDB_FIRST, &k, &v);
    if (more && after_key && k == *after_key) more = c.Get(MDB_NEXT, &k, &v);
    std::string last;
    for (; more; more = c.Get(MDB_NEXT, &k, &v)) {
      if (q.limit && page.rows.size() == *q.limit) {
        page.next = EncodeCursor(cq, last, *key);
        break;
      }
      auto key_values = DecodeTableKey(t->spec, k);
      auto fields = DecodeTableRow(t->spec, s.Aligned(v));
      if (!key_values || !fields) {
        throw CorruptionError("a damaged row in " + std::string(Spec(t->db).name) +
                              " at " + std::to_string(k.size()) + "-byte key");
      }
      page.rows.push_back({std::move(*key_values), std::move(*fields)});
      last.assign(k);
    }
    return page;
  });
}

}  // namespace annal
