// proj_queue_depth: one row of three counters. To count transitions it keeps
// which tasks are queued (aux_queue_depth_queued_tasks) and how many runs
// each schedule has waiting (aux_queue_depth_waiting_runs), so deleting a
// schedule can take its waiting runs out of the backlog.
#include <cstring>

#include "projectors/built_in_table.h"
#include "projectors/projector.h"
#include "store/keys.h"

namespace annal::internal {
namespace {

namespace fb = annal::fbs;

class QueueDepth final : public Projector {
 public:
  std::string_view name() const override { return "queue_depth"; }
  uint32_t version() const override { return 1; }
  std::vector<DeclaredTable> Tables() const override {
    // One row, under Seq(0), with no key.
    return {BuiltInTable<fb::QueueDepthRow, 0>("counters", Db::kQueueDepth)};
  }

  void Apply(Kv& kv, const fb::Record& rec) override {
    if (!Counts(rec.event_type())) return;  // most events: no read, no write
    QueueDepthRow d = Load(kv);
    const QueueDepthRow before = d;
    switch (rec.event_type()) {
      case fb::Event::TaskCreated:
        kv.Put(Db::kQueueDepthQueuedTasks,
               keys::Id(rec.event_as_TaskCreated()->task_id()->string_view()), {});
        ++d.runnable_tasks;
        break;
      case fb::Event::TaskStatusChanged: {
        auto* e = rec.event_as_TaskStatusChanged();
        auto key = keys::Id(e->task_id()->string_view());
        bool was_queued = kv.Has(Db::kQueueDepthQueuedTasks, key);
        bool is_queued = e->status() == fb::TaskStatus::queued;
        if (was_queued && !is_queued) {
          kv.Del(Db::kQueueDepthQueuedTasks, key);
          --d.runnable_tasks;
        } else if (!was_queued && is_queued) {
          kv.Put(Db::kQueueDepthQueuedTasks, key, {});
          ++d.runnable_tasks;
        }
        break;
      }
      case fb::Event::ScheduleRunDue:
        AddWaiting(kv, rec.event_as_ScheduleRunDue()->schedule_id()->string_view(), +1);
        ++d.schedule_backlog;
        break;
      case fb::Event::ScheduleRunStarted:
        AddWaiting(kv, rec.event_as_ScheduleRunStarted()->schedule_id()->string_view(),
                   -1);
        --d.schedule_backlog;
        break;
      case fb::Event::ScheduleRunMissed:
        AddWaiting(kv, rec.event_as_ScheduleRunMissed()->schedule_id()->string_view(),
                   -1);
        --d.schedule_backlog;
        break;
      case fb::Event::ScheduleDeleted: {
        auto key = keys::Id(rec.event_as_ScheduleDeleted()->schedule_id()->string_view());
        d.schedule_backlog -= Waiting(kv, key);
        kv.Del(Db::kQueueDepthWaitingRuns, key);
        break;
      }
      case fb::Event::ToolCallQueued:
        ++d.tool_queue_depth;
        break;
      case fb::Event::ToolCallStarted:
        --d.tool_queue_depth;
        break;
      default:
        break;
    }
    if (d.runnable_tasks != before.runnable_tasks ||
        d.schedule_backlog != before.schedule_backlog ||
        d.tool_queue_depth != before.tool_queue_depth) {
      kv.Put(Db::kQueueDepth, keys::Seq(0), Encode(b_, d));
    }
  }

 private:
  static bool Counts(fb::Event type) {
    switch (type) {
      case fb::Event::TaskCreated:
      case fb::Event::TaskStatusChanged:
      case fb::Event::ScheduleRunDue:
      case fb::Event::ScheduleRunStarted:
      case fb::Event::ScheduleRunMissed:
      case fb::Event::ScheduleDeleted:
      case fb::Event::ToolCallQueued:
      case fb::Event::ToolCallStarted:
        return true;
      default:
        return false;
    }
  }

  QueueDepthRow Load(Kv& kv) {
    auto row = LoadRow<fb::QueueDepthRow>(kv, Db::kQueueDepth, keys::Seq(0), buf_);
    return row ? *row : QueueDepthRow{};
  }
  uint64_t Waiting(Kv& kv, std::string_view key) {
    uint64_t n = 0;
    if (kv.Get(Db::kQueueDepthWaitingRuns, key, buf_))
      std::memcpy(&n, buf_.data(), sizeof n);
    return n;
  }
  void AddWaiting(Kv& kv, std::string_view id, int delta) {
    auto key = keys::Id(id);
    uint64_t n = Waiting(kv, key) + delta;
    if (n == 0) {
      kv.Del(Db::kQueueDepthWaitingRuns, key);
    } else {
      kv.Put(Db::kQueueDepthWaitingRuns, key,
             std::string_view(reinterpret_cast<const char*>(&n), sizeof n));
    }
  }

  Builder b_;
  AlignedBuf buf_;
};

}  // namespace

std::unique_ptr<Projector> MakeQueueDepthProjector() {
  return std::make_unique<QueueDepth>();
}

}  // namespace annal::internal
