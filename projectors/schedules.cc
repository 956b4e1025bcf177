// proj_schedules: enabled schedules, indexed by (next_run_at, schedule_id).
// A disabled schedule's row waits, state intact, in aux_schedules_disabled and
// comes back when the schedule is enabled again. Deletion removes it from both.
#include "projectors/built_in_table.h"
#include "projectors/projector.h"
#include "store/keys.h"

namespace annal::internal {
namespace {

namespace fb = annal::fbs;

class Schedules final : public Projector {
 public:
  std::string_view name() const override { return "schedules"; }
  uint32_t version() const override { return 1; }
  std::vector<DeclaredTable> Tables() const override {
    return {BuiltInTable<fb::ScheduleRow, 1>(
        "schedules", Db::kSchedules,
        {{"by_next_run", "next_run_at", Db::kSchedulesByNextRun}})};
  }

  void Apply(Kv& kv, const fb::Record& rec) override {
    switch (rec.event_type()) {
      case fb::Event::ScheduleCreated: {
        auto* e = rec.event_as_ScheduleCreated();
        ScheduleRow row{e->schedule_id()->string_view(),
                        e->name()->string_view(),
                        e->spec()->string_view(),
                        std::nullopt,
                        std::nullopt,
                        0};
        if (auto next = e->next_run_at()) row.next_run_at = *next;
        Store(kv, e->enabled() ? Db::kSchedules : Db::kSchedulesDisabled, row,
              std::nullopt);
        break;
      }
      case fb::Event::ScheduleEnabled:
        Move(kv, rec.event_as_ScheduleEnabled()->schedule_id()->string_view(),
             Db::kSchedulesDisabled, Db::kSchedules);
        break;
      case fb::Event::ScheduleDisabled:
        Move(kv, rec.event_as_ScheduleDisabled()->schedule_id()->string_view(),
             Db::kSchedules, Db::kSchedulesDisabled);
        break;
      case fb::Event::ScheduleDeleted:
        Move(kv, rec.event_as_ScheduleDeleted()->schedule_id()->string_view(),
             Db::kSchedules, Db::kCount);
        Move(kv, rec.event_as_ScheduleDeleted()->schedule_id()->string_view(),
             Db::kSchedulesDisabled, Db::kCount);
        break;
      case fb::Event::ScheduleRunStarted: {
        auto* e = rec.event_as_ScheduleRunStarted();
        Update(kv, e->schedule_id()->string_view(), [&](ScheduleRow& row) {
          if (auto next = e->next_run_at()) row.next_run_at = *next;
          row.last_run_at = rec.ts();
        });
        break;
      }
      case fb::Event::ScheduleRunMissed: {
        auto* e = rec.event_as_ScheduleRunMissed();
        Update(kv, e->schedule_id()->string_view(), [&](ScheduleRow& row) {
          if (auto next = e->next_run_at()) row.next_run_at = *next;
          ++row.missed_runs;
        });
        break;
      }
      default:
        break;
    }
  }

 private:
  // Writes the row to `db`, keeping the next-run index in step for enabled rows.
  void Store(Kv& kv, Db db, const ScheduleRow& row, OptTime indexed_before) {
    kv.Put(db, keys::Id(row.schedule_id), Encode(b_, row));
    if (db != Db::kSchedules || indexed_before == row.next_run_at) return;
    if (indexed_before)
      kv.Del(Db::kSchedulesByNextRun, keys::TimeId(*indexed_before, row.schedule_id));
    if (row.next_run_at) {
      kv.Put(Db::kSchedulesByNextRun, keys::TimeId(*row.next_run_at, row.schedule_id),
             {});
    }
  }

  // Moves a row between the enabled and disabled tables (kCount: drops it).
  // Nothing to do when it is not in `from` (enabling an enabled schedule).
  void Move(Kv& kv, std::string_view id, Db from, Db to) {
    auto key = keys::Id(id);
    auto row = LoadRow<fb::ScheduleRow>(kv, from, key, buf_);
    if (!row) return;
    kv.Del(from, key);
    if (from == Db::kSchedules && row->next_run_at) {
      kv.Del(Db::kSchedulesByNextRun, keys::TimeId(*row->next_run_at, id));
    }
    if (to != Db::kCount) Store(kv, to, *row, std::nullopt);
  }

  template <class Fn>
  void Update(Kv& kv, std::string_view id, Fn&& change) {
    auto key = keys::Id(id);
    for (Db db : {Db::kSchedules, Db::kSchedulesDisabled}) {
      if (auto row = LoadRow<fb::ScheduleRow>(kv, db, key, buf_)) {
        OptTime before;  // the next run the index holds for this row, if any
        if (db == Db::kSchedules) before = row->next_run_at;
        change(*row);
        Store(kv, db, *row, before);
        return;
      }
    }
    throw BrokenInvariant(name(), "run of unknown schedule " + std::string(id));
  }

  Builder b_;
  AlignedBuf buf_;
};

}  // namespace

std::unique_ptr<Projector> MakeSchedulesProjector() {
  return std::make_unique<Schedules>();
}

}  // namespace annal::internal
