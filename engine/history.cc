// Snapshot::History: one entity's trail, from proj_audit_trail.entries (key
// kind, id, seq: projectors/audit_trail.cc), a range of one (kind, id)
// prefix, each seq then read from the log by key.
#include "engine/snapshot_impl.h"
#include "events/log_reader.h"
#include "events/upcast.h"
#include "projectors/audit_trail.h"
#include "projectors/declared_row.h"

namespace annal {

using namespace internal;

namespace {

const DeclaredTable* TrailTable(const SnapshotState& s) {
  if (!s.declared) return nullptr;
  for (const DeclaredProjection& p : *s.declared) {
    if (p.name != kAuditTrail) continue;
    for (const DeclaredTable& t : p.tables)
      if (t.spec.name == kAuditTrailEntries) return &t;
  }
  return nullptr;
}

}  // namespace

Result<std::optional<Snapshot::HistoryPage>> Snapshot::History(
    std::string_view kind, std::string_view id, uint64_t after_seq,
    std::optional<size_t> limit) const {
  return Guard([&]() -> Result<std::optional<HistoryPage>> {
    if (!IsTrailKind(kind)) {
      return Status::InvalidInput("no entity kind \"" + std::string(kind) +
                                  "\" (one of " + std::string(kTrailKinds) + ")");
    }
    if (limit && *limit == 0) return Status::InvalidInput("a limit of 0");
    SnapshotState& s = *impl_;
    const DeclaredTable* table = TrailTable(s);
    if (!table) return Status::Internal("the audit trail projection is not registered");
    keys::Key prefix;
    prefix.Str(kind).Str(id);
    Cursor c(s.txn.handle(), s.Dbi(table->db));
    std::string_view k, v;
    bool more = c.Seek(prefix.view(), &k, &v);
    if (!more || !k.starts_with(prefix.view())) return std::optional<HistoryPage>();
    if (after_seq > 0) {
      keys::Key from = prefix;
      from.Int(static_cast<int64_t>(after_seq) + 1);
      more = c.Seek(from.view(), &k, &v);
    }
    HistoryPage page;
    const UpcasterSet* upcasters =
        s.upcasters && !s.upcasters->empty() ? s.upcasters : nullptr;
    SubjectKeyReader keys(s.txn.handle(), s.Dbi(Db::kSubjectKeys));
    for (; more && k.starts_with(prefix.view()); more = c.Get(MDB_NEXT, &k, &v)) {
      auto key = DecodeTableKey(table->spec, k);
      if (!key) throw CorruptionError("a damaged key in proj_audit_trail.entries");
      const auto seq = static_cast<uint64_t>(std::get<int64_t>(key->at(2)));
      if (limit && page.events.size() == *limit) {
        page.next = page.events.back().seq;
        break;
      }
      LogReader reader(s.txn.handle(), s.Dbi(Db::kLog), seq, seq);
      const LogRecord* r = reader.Next();
      if (!r) {
        throw CorruptionError("proj_audit_trail names seq " + std::to_string(seq) +
                              ", which the log does not hold");
      }
      auto ev = ShowLogged(*r, keys, upcasters, LogView::kCurrent);
      if (!ev.ok()) return ev.status();
      page.events.push_back(std::move(*ev));
    }
    return std::optional<HistoryPage>(std::move(page));
  });
}

}  // namespace annal
