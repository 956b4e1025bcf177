// Snapshot::Impl, the state behind a Snapshot, shared by the files that
// answer its calls (engine/read.cc, engine/query.cc, engine/as_of.cc): one
// LMDB read transaction over one slot's sub-databases, either the engine's
// own store or a store of time travel's (engine/as_of.cc).
#pragma once

#include <deque>
#include <memory>
#include <optional>

#include "annal/snapshot.h"
#include "common/hidden.h"
#include "engine/engine_impl.h"
#include "engine/subject_keys.h"
#include "projectors/row_codec.h"
#include "store/keys.h"

namespace annal {
namespace internal {

struct SnapshotState {
  SnapshotState(Txn t, const DbHandles& handles, size_t live_slot)
      : txn(std::move(t)), dbis(handles), slot(live_slot) {}

  // Declared before txn: the transaction ends before the lock is released
  // (an engine's snapshot), or before its store is closed (time travel's).
  std::optional<SnapshotMapHold> map_lock;
  std::shared_ptr<void> own_store;
  Txn txn;
  DbHandles dbis;
  size_t slot;
  std::optional<uint64_t> as_of;  // set in a view of time travel
  // The engine's declared projections (the Snapshot does not outlive it).
  const std::vector<DeclaredProjection>* declared = nullptr;
  const UpcasterSet* upcasters = nullptr;  // the engine's, for ScanLog
  // Sub-databases of stale projections, and why: queries on them refuse.
  uint64_t stale_mask = 0;
  std::vector<StaleProjection> stale;
  // Copies of values LMDB did not place on an 8-byte boundary (should not
  // happen given our key and value sizes; kept so a row is never misread).
  std::deque<AlignedBuf> realigned;
  // Personal values opened for this snapshot's readers (Opened).
  std::optional<SubjectKeyReader> key_reader;
  std::deque<std::string> opened;

  bool IsStale(std::string_view projection) const {
    for (const auto& s : stale) {
      if (s.name == projection) return true;
    }
    return false;
  }

  MDB_dbi meta() const { return dbis[static_cast<size_t>(Db::kMeta)]; }
  MDB_dbi Dbi(Db db) const {
    if (stale_mask & (uint64_t{1} << static_cast<unsigned>(db))) {
      for (const auto& s : stale) {
        if (Spec(db).owner == s.name) throw StaleError(s.message);
      }
    }
    return dbis[static_cast<size_t>(db)];
  }

  std::string_view Aligned(std::string_view v) {
    if (reinterpret_cast<uintptr_t>(v.data()) % 8 == 0) return v;
    realigned.emplace_back().Assign(v);
    return realigned.back().view();
  }

  template <class Fb>
  auto DecodeValue(Db db, std::string_view key, std::string_view value) {
    const Fb* t = VerifiedRow<Fb>(Aligned(value));
    if (!t) {
      throw CorruptionError("corrupt row in " + std::string(Spec(db).name) +
                            " at key of " + std::to_string(key.size()) + " bytes");
    }
    auto row = Decode(*t);
    OpenSealed(row);
    return row;
  }

  // A sealed personal value (events/sealed.h) opened with its subject's
  // key, or kErasedValue; valid as long as the snapshot.
  std::string_view Opened(std::string_view sealed) {
    if (!key_reader) key_reader.emplace(txn.handle(), Dbi(Db::kSubjectKeys));
    auto plain = key_reader->Open(sealed);
    if (!plain) return kErasedValue;
    return opened.emplace_back(std::move(*plain));
  }
  template <class Row>
  void OpenSealed(Row& row) {
    if constexpr (std::is_same_v<Row, StoredAlarm>) {
      OpenSealed(row.row);
    } else if constexpr (requires { Row::Fields(row, [](std::string_view, auto&) {}); }) {
      Row::Fields(row, [&](std::string_view, auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string_view>) {
          if (LooksSealed(v)) v = Opened(v);
        } else if constexpr (std::is_same_v<V, OptView>) {
          if (v && LooksSealed(*v)) v = Opened(*v);
        }
      });
    }
  }

  template <class Fb>
  auto Get(Db db, std::string_view key)
      -> std::optional<decltype(Decode(std::declval<const Fb&>()))> {
    auto v = GetInPlace(txn.handle(), Dbi(db), key);
    if (!v) return std::nullopt;
    return DecodeValue<Fb>(db, key, *v);
  }

  template <class Fb, class Row>
  std::vector<Row> All(Db db) {
    std::vector<Row> rows;
    Cursor c(txn.handle(), Dbi(db));
    std::string_view k, v;
    for (bool more = c.Get(MDB_FIRST, &k, &v); more; more = c.Get(MDB_NEXT, &k, &v)) {
      rows.push_back(DecodeValue<Fb>(db, k, v));
    }
    return rows;
  }

  // Rows named by an index keyed TimeId(t, id), for t at or before `until`.
  template <class Fb, class Row>
  std::vector<Row> DueBy(Db index, Db table, int64_t until) {
    std::vector<Row> rows;
    Cursor c(txn.handle(), Dbi(index));
    std::string_view k, v;
    for (bool more = c.Get(MDB_FIRST, &k, &v);
         more && keys::Decode(KeyShape::kTimeId, k).time <= until;
         more = c.Get(MDB_NEXT, &k, &v)) {
      auto row = Get<Fb>(table, keys::Id(keys::IndexedId(k)));
      if (!row)
        throw CorruptionError(std::string(Spec(index).name) + " names a missing row");
      rows.push_back(*row);
    }
    return rows;
  }
};

struct LogRecord;
class UpcasterSet;
// One log record as Snapshot::ScanLog shows it: decoded, its sealed values
// opened with `keys`, upcast unless `view` asks for it as written.
// kRejected when an upcaster fails (engine/read.cc).
Result<LoggedEvent> ShowLogged(const LogRecord& r, SubjectKeyReader& keys,
                               const UpcasterSet* upcasters, Snapshot::LogView view);

}  // namespace internal

struct ANNAL_HIDDEN Snapshot::Impl : internal::SnapshotState {
  using SnapshotState::SnapshotState;
};

}  // namespace annal
