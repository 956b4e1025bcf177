// proj_active_tasks: running and paused tasks. A queued task waits in
// aux_active_tasks_queued (its name and step) until it becomes active;
// terminal tasks leave no trace here. Paused tasks with a wake time are
// indexed by (next_wake_time, task_id).
#include "projectors/built_in_table.h"
#include "projectors/projector.h"
#include "store/keys.h"

namespace annal::internal {
namespace {

namespace fb = annal::fbs;

bool IsActive(TaskStatus s) {
  return s == TaskStatus::kRunning || s == TaskStatus::kPaused;
}

class ActiveTasks final : public Projector {
 public:
  std::string_view name() const override { return "active_tasks"; }
  uint32_t version() const override { return 1; }
  std::vector<DeclaredTable> Tables() const override {
    return {BuiltInTable<fb::ActiveTaskRow, 1>(
        "tasks", Db::kActiveTasks,
        {{"by_wake", "next_wake_time", Db::kActiveTasksByWake}})};
  }

  void Apply(Kv& kv, const fb::Record& rec) override {
    switch (rec.event_type()) {
      case fb::Event::TaskCreated: {
        auto* e = rec.event_as_TaskCreated();
        QueuedTask q{e->name()->string_view(), Opt(e->step())};
        kv.Put(Db::kActiveTasksQueued, keys::Id(e->task_id()->string_view()),
               Encode(b_, q));
        break;
      }
      case fb::Event::TaskStatusChanged:
        OnStatus(kv, rec.ts(), *rec.event_as_TaskStatusChanged());
        break;
      case fb::Event::TaskStepAdvanced:
        OnStep(kv, rec.ts(), *rec.event_as_TaskStepAdvanced());
        break;
      default:
        break;
    }
  }

 private:
  static OptView Opt(const flatbuffers::String* s) {
    return s ? OptView(s->string_view()) : std::nullopt;
  }

  void OnStatus(Kv& kv, int64_t ts, const fb::TaskStatusChanged& e) {
    std::string_view id = e.task_id()->string_view();
    auto key = keys::Id(id);
    ActiveTaskRow row;
    Db was;
    if (auto active = LoadRow<fb::ActiveTaskRow>(kv, Db::kActiveTasks, key, buf_)) {
      row = *active;
      was = Db::kActiveTasks;
    } else if (auto queued =
                   LoadRow<fb::QueuedTaskState>(kv, Db::kActiveTasksQueued, key, buf_)) {
      row.task_id = id;
      row.name = queued->name;
      row.step = queued->step;
      was = Db::kActiveTasksQueued;
    } else {
      throw BrokenInvariant(name(), "status change of unknown task " + std::string(id));
    }
    OptTime old_wake = row.next_wake_time;
    row.status = static_cast<TaskStatus>(e.status());
    if (e.step()) row.step = e.step()->string_view();
    row.next_wake_time.reset();
    if (row.status == TaskStatus::kPaused && e.next_wake_time()) {
      row.next_wake_time = *e.next_wake_time();
    }
    row.updated_at = ts;

    if (old_wake && old_wake != row.next_wake_time) {
      kv.Del(Db::kActiveTasksByWake, keys::TimeId(*old_wake, id));
    }
    Db now = IsActive(row.status)                ? Db::kActiveTasks
             : row.status == TaskStatus::kQueued ? Db::kActiveTasksQueued
                                                 : Db::kCount;  // terminal: nowhere
    if (was != now) kv.Del(was, key);
    if (now == Db::kActiveTasks) {
      kv.Put(Db::kActiveTasks, key, Encode(b_, row));
      if (row.next_wake_time && row.next_wake_time != old_wake) {
        kv.Put(Db::kActiveTasksByWake, keys::TimeId(*row.next_wake_time, id), {});
      }
    } else if (now == Db::kActiveTasksQueued) {
      kv.Put(Db::kActiveTasksQueued, key, Encode(b_, QueuedTask{row.name, row.step}));
    }
  }

  void OnStep(Kv& kv, int64_t ts, const fb::TaskStepAdvanced& e) {
    auto key = keys::Id(e.task_id()->string_view());
    if (auto active = LoadRow<fb::ActiveTaskRow>(kv, Db::kActiveTasks, key, buf_)) {
      active->step = e.step()->string_view();
      active->updated_at = ts;
      kv.Put(Db::kActiveTasks, key, Encode(b_, *active));
    } else if (auto queued =
                   LoadRow<fb::QueuedTaskState>(kv, Db::kActiveTasksQueued, key, buf_)) {
      queued->step = e.step()->string_view();
      kv.Put(Db::kActiveTasksQueued, key, Encode(b_, *queued));
    } else {
      throw BrokenInvariant(
          name(), "step of unknown task " + std::string(e.task_id()->string_view()));
    }
  }

  Builder b_;
  AlignedBuf buf_;
};

}  // namespace

std::unique_ptr<Projector> MakeActiveTasksProjector() {
  return std::make_unique<ActiveTasks>();
}

}  // namespace annal::internal
