// Engine::Read and the Snapshot query API: every query reads projection and
// index sub-databases only; ScanLog is the one reader of the log.
#include "engine/engine_impl.h"
#include "engine/replay.h"
#include "engine/snapshot_impl.h"
#include "engine/subject_keys.h"
#include "events/log_reader.h"
#include "events/record_codec.h"
#include "store/chain.h"
#include "store/keys.h"
#include "store/meta.h"
#include "validator/declared_rules.h"
#include "validator/validate.h"

namespace annal {

using namespace internal;

Snapshot::Snapshot(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Snapshot::Snapshot(Snapshot&&) noexcept = default;
Snapshot& Snapshot::operator=(Snapshot&&) noexcept = default;
Snapshot::~Snapshot() = default;

Result<Snapshot> Engine::Read() const {
  return impl_->RetryingOnMapFull([&]() -> Result<Snapshot> {
    SnapshotMapHold lock(impl_->map_mutex);
    Txn txn(impl_->env.handle(), Txn::kReadOnly);
    size_t slot = LiveSlot(txn.handle(), impl_->meta());
    auto stale = impl_->StaleIn(txn.handle(), slot);
    const uint64_t mask = impl_->MaskOf(stale);
    auto view =
        std::make_unique<Snapshot::Impl>(std::move(txn), impl_->slots[slot], slot);
    view->map_lock.emplace(std::move(lock));
    view->stale_mask = mask;
    view->stale = std::move(stale);
    view->declared = &impl_->declared;
    view->upcasters = impl_->upcasters.get();
    return Snapshot(std::move(view));
  });
}

#define ANNAL_ALL(Method, RowT, FbT, DbName)                                     \
  Rows<RowT> Snapshot::Method() const {                                          \
    return Guard(                                                                \
        [&]() -> Rows<RowT> { return impl_->All<fbs::FbT, RowT>(Db::DbName); }); \
  }
#define ANNAL_ONE(Method, RowT, FbT, DbName)                   \
  MaybeRow<RowT> Snapshot::Method(std::string_view id) const { \
    return Guard([&]() -> MaybeRow<RowT> {                     \
      if (!keys::StorableId(id)) return std::optional<RowT>(); \
      return impl_->Get<fbs::FbT>(Db::DbName, keys::Id(id));   \
    });                                                        \
  }

ANNAL_ALL(ActiveTasks, ActiveTaskRow, ActiveTaskRow, kActiveTasks)
ANNAL_ONE(ActiveTask, ActiveTaskRow, ActiveTaskRow, kActiveTasks)
ANNAL_ALL(Schedules, ScheduleRow, ScheduleRow, kSchedules)
ANNAL_ONE(Schedule, ScheduleRow, ScheduleRow, kSchedules)
ANNAL_ALL(Watchers, WatcherRow, WatcherRow, kWatchers)
ANNAL_ONE(Watcher, WatcherRow, WatcherRow, kWatchers)
ANNAL_ALL(Rules, RuleRow, RuleRow, kRules)
ANNAL_ONE(Rule, RuleRow, RuleRow, kRules)
ANNAL_ALL(Integrations, IntegrationRow, IntegrationRow, kIntegrations)
ANNAL_ONE(Integration, IntegrationRow, IntegrationRow, kIntegrations)
ANNAL_ALL(Approvals, ApprovalRow, ApprovalRow, kApprovals)
ANNAL_ONE(Approval, ApprovalRow, ApprovalRow, kApprovals)
#undef ANNAL_ALL
#undef ANNAL_ONE

Rows<ActiveTaskRow> Snapshot::PausedTasksWakingBy(int64_t t) const {
  return Guard([&]() -> Rows<ActiveTaskRow> {
    return impl_->DueBy<fbs::ActiveTaskRow, ActiveTaskRow>(Db::kActiveTasksByWake,
                                                           Db::kActiveTasks, t);
  });
}
Rows<ScheduleRow> Snapshot::SchedulesDueBy(int64_t t) const {
  return Guard([&]() -> Rows<ScheduleRow> {
    return impl_->DueBy<fbs::ScheduleRow, ScheduleRow>(Db::kSchedulesByNextRun,
                                                       Db::kSchedules, t);
  });
}
Rows<ApprovalRow> Snapshot::ApprovalsExpiringBy(int64_t t) const {
  return Guard([&]() -> Rows<ApprovalRow> {
    return impl_->DueBy<fbs::ApprovalRow, ApprovalRow>(Db::kApprovalsByExpiry,
                                                       Db::kApprovals, t);
  });
}

Result<QueueDepthRow> Snapshot::QueueDepth() const {
  return Guard([&]() -> Result<QueueDepthRow> {
    return impl_->Get<fbs::QueueDepthRow>(Db::kQueueDepth, keys::Seq(0))
        .value_or(QueueDepthRow{});
  });
}

Result<AutonomyCurrentRow> Snapshot::AutonomyCurrent() const {
  return Guard([&]() -> Result<AutonomyCurrentRow> {
    return impl_->Get<fbs::AutonomyCurrentRow>(Db::kAutonomyHistory, keys::Seq(0))
        .value_or(AutonomyCurrentRow{});
  });
}

Rows<AutonomyChangeRow> Snapshot::AutonomyChanges() const {
  return Guard([&]() -> Rows<AutonomyChangeRow> {
    std::vector<AutonomyChangeRow> rows;
    Cursor c(impl_->txn.handle(), impl_->Dbi(Db::kAutonomyHistory));
    std::string_view k, v;
    // Seq(0) holds the current level and sorts first: stop there.
    for (bool more = c.Get(MDB_LAST, &k, &v); more && keys::DecodeSeq(k) != 0;
         more = c.Get(MDB_PREV, &k, &v)) {
      rows.push_back(
          impl_->DecodeValue<fbs::AutonomyChangeRow>(Db::kAutonomyHistory, k, v));
    }
    return rows;
  });
}

Rows<AlarmRow> Snapshot::Alarms() const {
  return Guard([&]() -> Rows<AlarmRow> {
    std::vector<AlarmRow> rows;
    for (const StoredAlarm& a : impl_->All<fbs::AlarmRow, StoredAlarm>(Db::kAlarms)) {
      rows.push_back(a.row);
    }
    return rows;
  });
}

MaybeRow<AlarmRow> Snapshot::Alarm(std::string_view id) const {
  return Guard([&]() -> MaybeRow<AlarmRow> {
    if (!keys::StorableId(id)) return std::optional<AlarmRow>();
    auto a = impl_->Get<fbs::AlarmRow>(Db::kAlarms, keys::Id(id));
    return a ? std::optional<AlarmRow>(a->row) : std::nullopt;
  });
}

Rows<AlarmRow> Snapshot::AlarmsInState(AlarmState state) const {
  return Guard([&]() -> Rows<AlarmRow> {
    std::vector<AlarmRow> rows;
    Cursor c(impl_->txn.handle(), impl_->Dbi(Db::kAlarmsByState));
    std::string_view k, v;
    auto prefix = keys::StatePrefix(static_cast<uint8_t>(state));
    for (bool more = c.Seek(prefix, &k, &v); more && keys::InState(k, prefix);
         more = c.Get(MDB_NEXT, &k, &v)) {
      auto a = impl_->Get<fbs::AlarmRow>(Db::kAlarms, keys::Id(keys::IndexedId(k)));
      if (!a) throw CorruptionError("idx_alarms_by_state names a missing alarm");
      rows.push_back(a->row);
    }
    return rows;
  });
}

Result<uint64_t> Snapshot::LastSeq() const {
  return Guard([&]() -> Result<uint64_t> {
    return LogHead(impl_->txn.handle(), impl_->Dbi(Db::kLog));
  });
}

Result<uint64_t> Snapshot::ProjectedSeq() const {
  return Guard([&]() -> Result<uint64_t> {
    return ReadProjected(impl_->txn.handle(), impl_->meta(), impl_->slot);
  });
}

Result<std::string> Snapshot::StoreMode() const {
  return Guard([&]() -> Result<std::string> {
    return ReadMode(impl_->txn.handle(), impl_->meta());
  });
}

Result<std::map<std::string, uint32_t>> Snapshot::RecordedProjections() const {
  return Guard([&]() -> Result<std::map<std::string, uint32_t>> {
    auto versions = SlotVersions(impl_->txn.handle(), impl_->meta(), impl_->slot);
    std::erase_if(versions, [](const auto& v) { return IsUpcastEntry(v.first); });
    return versions;
  });
}

Result<std::vector<Snapshot::SubDatabaseSize>> Snapshot::ProjectionSizes() const {
  return Guard([&]() -> Result<std::vector<SubDatabaseSize>> {
    std::vector<SubDatabaseSize> sizes;
    auto add = [&](const DbSpec& spec, std::string_view projection) {
      if (impl_->IsStale(projection)) return;
      MDB_stat st;
      lmdb::dbi_stat(impl_->txn.handle(), impl_->dbis[static_cast<size_t>(spec.db)], &st);
      sizes.push_back(
          {std::string(projection), std::string(spec.name),
           spec.role == Role::kProjection ? "table"
           : spec.role == Role::kIndex    ? "index"
                                          : "state",
           st.ms_entries,
           (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages) * st.ms_psize});
    };
    for (const DbSpec& spec : kDbs) {
      if (spec.role == Role::kProjection || spec.role == Role::kIndex ||
          spec.role == Role::kState) {
        add(spec, spec.owner);
      }
    }
    if (impl_->declared) {
      for (const DeclaredProjection& p : *impl_->declared) {
        for (const DeclaredTable& t : p.tables) {
          add(Spec(t.db), p.name);
          for (const DeclaredIndex& i : t.indexes) add(Spec(i.db), p.name);
        }
      }
    }
    return sizes;
  });
}

Result<Snapshot::Lag> Snapshot::ProjectionLag() const {
  return Guard([&]() -> Result<Lag> {
    MDB_txn* txn = impl_->txn.handle();
    const MDB_dbi log = impl_->Dbi(Db::kLog);
    Lag lag;
    lag.head_seq = LogHead(txn, log);
    lag.projected_seq = ReadProjected(txn, impl_->meta(), impl_->slot);
    lag.events = lag.head_seq - std::min(lag.head_seq, lag.projected_seq);
    auto ts_at = [&](uint64_t seq) -> int64_t {
      LogReader reader(txn, log, seq, seq);
      const LogRecord* r = reader.Next();
      return r ? r->record->ts() : 0;
    };
    if (lag.events > 0) {
      lag.micros = ts_at(lag.head_seq) - ts_at(std::max<uint64_t>(lag.projected_seq, 1));
    }
    return lag;
  });
}

namespace internal {

Result<LoggedEvent> ShowLogged(const LogRecord& r, SubjectKeyReader& keys,
                               const UpcasterSet* upcasters, Snapshot::LogView view) {
  LoggedEvent ev = DecodeChecked(r);
  keys.OpenEvent(ev.event);
  if (upcasters && view == Snapshot::LogView::kAsWritten) {
    // Shape 1 said outright where the type has others: the same record,
    // and a JSONL export that an import elsewhere reads in its shape.
    if (!ev.event.shape && !std::holds_alternative<DeclaredEvent>(ev.event.body) &&
        upcasters->StampFor(ev.event.type()))
      ev.event.shape = 1;
  } else if (upcasters && upcasters->Needs(*r.record)) {
    try {
      ev.event = UpcastChecked(*upcasters, std::move(ev.event), ev.seq);
    } catch (const UpcastError& e) {
      return Status::Rejected(e.what());
    }
  }
  return ev;
}

}  // namespace internal

Status Snapshot::ScanLog(uint64_t from_seq,
                         const std::function<bool(const LoggedEvent&)>& visit,
                         LogView view) const {
  return Guard([&]() -> Status {
    const UpcasterSet* upcasters =
        impl_->upcasters && !impl_->upcasters->empty() ? impl_->upcasters : nullptr;
    // Seq 0 is no record: a scan from it starts at the first.
    LogReader reader(impl_->txn.handle(), impl_->Dbi(Db::kLog),
                     std::max<uint64_t>(from_seq, 1));
    SubjectKeyReader keys(impl_->txn.handle(), impl_->Dbi(Db::kSubjectKeys));
    while (const LogRecord* r = reader.Next()) {
      auto ev = ShowLogged(*r, keys, upcasters, view);
      if (!ev.ok()) return ev.status();
      if (!visit(*ev)) break;
    }
    return Status::Ok();
  });
}

}  // namespace annal

namespace annal {

Result<std::vector<EventTypeDeclared>> Snapshot::EventTypes() const {
  return Guard([&]() -> Result<std::vector<EventTypeDeclared>> {
    std::vector<EventTypeDeclared> out;
    const char kind = static_cast<char>(EntityKind::kEventType);
    Cursor c(impl_->txn.handle(), impl_->Dbi(Db::kRegistry));
    std::string_view k, v;
    for (bool more = c.Seek(std::string_view(&kind, 1), &k, &v); more && k[0] == kind;
         more = c.Get(MDB_NEXT, &k, &v)) {
      const std::string_view type = keys::DecodeId(k.substr(1));
      auto d = DecodeDeclaration(type, v);
      if (!d)
        throw CorruptionError("the registry's declaration of event type \"" +
                              std::string(type) + "\" is damaged");
      out.push_back(std::move(*d));
    }
    return out;
  });
}

}  // namespace annal
