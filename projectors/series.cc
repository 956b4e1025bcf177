// proj_series (projectors/series.h). Each chart table is keyed by the
// bucket's start (the event's ts floored to the minute, in µs); `queue`
// holds the last and the largest depth seen in the minute, counted here as
// queue_depth counts it (a projection reads only its own tables), with the
// state that needs in `depth`, `queued_tasks`, `waiting_runs`; `alarms`
// counts by severity, which acks and resolutions learn from
// `alarm_severity`.
#include "projectors/series.h"

#include <array>

namespace annal::internal {
namespace {

FieldSpec Int(std::string name) { return {std::move(name), FieldType::kInt}; }
FieldSpec Str(std::string name) { return {std::move(name), FieldType::kStr}; }

constexpr std::array<std::string_view, 3> kDepths = {"runnable_tasks", "schedule_backlog",
                                                     "tool_queue_depth"};

class Series final : public Projection {
 public:
  std::string name() const override { return std::string(kSeriesProjection); }
  uint32_t version() const override { return 1; }
  std::vector<TableSpec> tables() const override {
    return {
        {"queue",
         {Int("bucket")},
         {Int("runnable_tasks_last"), Int("runnable_tasks_max"),
          Int("schedule_backlog_last"), Int("schedule_backlog_max"),
          Int("tool_queue_depth_last"), Int("tool_queue_depth_max")},
         {}},
        {"alarms",
         {Int("bucket"), Str("severity")},
         {Int("raised"), Int("acked"), Int("resolved")},
         {}},
        {"events", {Int("bucket"), Str("type")}, {Int("count")}, {}},
        {"appends", {Int("bucket")}, {Int("events")}, {}},
        {"depth", {Str("name")}, {Int("value")}, {}},
        {"queued_tasks", {Str("task_id")}, {}, {}},
        {"waiting_runs", {Str("schedule_id")}, {Int("runs")}, {}},
        {"alarm_severity", {Str("alarm_id")}, {Str("severity")}, {}},
    };
  }

  void Apply(ProjectionTx& tx, const LoggedEvent& e) override {
    const int64_t bucket = SeriesBucketOf(e.event.ts.value_or(0));
    Add(tx, "appends", {bucket}, 0);
    Add(tx, "events", {bucket, std::string(e.event.type())}, 0);
    std::visit([&](const auto& body) { On(tx, bucket, body); }, e.event.body);
  }

 private:
  // Adds 1 to field `at` of the counting row at `key` (made at zero).
  static void Add(ProjectionTx& tx, std::string_view table, const Values& key, size_t at,
                  size_t width = 1) {
    Values row = tx.Get(table, key).value_or(Values(width, int64_t{0}));
    row[at] = std::get<int64_t>(row[at]) + 1;
    tx.Put(table, key, row);
  }
  static int64_t Depth(ProjectionTx& tx, size_t which) {
    auto row = tx.Get("depth", {std::string(kDepths[which])});
    return row ? std::get<int64_t>(row->at(0)) : 0;
  }
  // Moves depth `which` by `delta` and records it in the minute's row.
  static void Move(ProjectionTx& tx, int64_t bucket, size_t which, int64_t delta) {
    if (delta == 0) return;
    const int64_t now = Depth(tx, which) + delta;
    tx.Put("depth", {std::string(kDepths[which])}, {now});
    Values row;
    if (auto got = tx.Get("queue", {bucket})) {
      row = std::move(*got);
    } else {
      for (size_t i = 0; i < kDepths.size(); ++i) {
        const int64_t d = Depth(tx, i);
        row.push_back(d);
        row.push_back(d);
      }
    }
    row[2 * which] = now;
    row[2 * which + 1] = std::max(std::get<int64_t>(row[2 * which + 1]), now);
    tx.Put("queue", {bucket}, row);
  }
  static void Waiting(ProjectionTx& tx, int64_t bucket, const std::string& schedule,
                      int64_t delta) {
    auto row = tx.Get("waiting_runs", {schedule});
    const int64_t runs = (row ? std::get<int64_t>(row->at(0)) : 0) + delta;
    if (runs > 0) {
      tx.Put("waiting_runs", {schedule}, {runs});
    } else {
      tx.Delete("waiting_runs", {schedule});
    }
    Move(tx, bucket, 1, delta);
  }
  static void Alarm(ProjectionTx& tx, int64_t bucket, const std::string& alarm, size_t at,
                    bool ends) {
    auto severity = tx.Get("alarm_severity", {alarm});
    if (!severity) return;  // (the validator saw to it that there is one)
    Add(tx, "alarms", {bucket, severity->at(0)}, at, 3);
    if (ends) tx.Delete("alarm_severity", {alarm});
  }

  template <class B>
  void On(ProjectionTx&, int64_t, const B&) {}
  void On(ProjectionTx& tx, int64_t b, const TaskCreated& e) {
    tx.Put("queued_tasks", {e.task_id}, {});
    Move(tx, b, 0, +1);
  }
  void On(ProjectionTx& tx, int64_t b, const TaskStatusChanged& e) {
    const bool was = tx.Get("queued_tasks", {e.task_id}).has_value();
    const bool is = e.status == TaskStatus::kQueued;
    if (was && !is) {
      tx.Delete("queued_tasks", {e.task_id});
      Move(tx, b, 0, -1);
    } else if (!was && is) {
      tx.Put("queued_tasks", {e.task_id}, {});
      Move(tx, b, 0, +1);
    }
  }
  void On(ProjectionTx& tx, int64_t b, const ScheduleRunDue& e) {
    Waiting(tx, b, e.schedule_id, +1);
  }
  void On(ProjectionTx& tx, int64_t b, const ScheduleRunStarted& e) {
    Waiting(tx, b, e.schedule_id, -1);
  }
  void On(ProjectionTx& tx, int64_t b, const ScheduleRunMissed& e) {
    Waiting(tx, b, e.schedule_id, -1);
  }
  void On(ProjectionTx& tx, int64_t b, const ScheduleDeleted& e) {
    auto row = tx.Get("waiting_runs", {e.schedule_id});
    if (!row) return;
    tx.Delete("waiting_runs", {e.schedule_id});
    Move(tx, b, 1, -std::get<int64_t>(row->at(0)));
  }
  void On(ProjectionTx& tx, int64_t b, const ToolCallQueued&) { Move(tx, b, 2, +1); }
  void On(ProjectionTx& tx, int64_t b, const ToolCallStarted&) { Move(tx, b, 2, -1); }
  void On(ProjectionTx& tx, int64_t b, const AlarmRaised& e) {
    const std::string severity(NameOf(e.severity));
    tx.Put("alarm_severity", {e.alarm_id}, {severity});
    Add(tx, "alarms", {b, severity}, 0, 3);
  }
  void On(ProjectionTx& tx, int64_t b, const AlarmAcked& e) {
    Alarm(tx, b, e.alarm_id, 1, false);
  }
  void On(ProjectionTx& tx, int64_t b, const AlarmResolved& e) {
    Alarm(tx, b, e.alarm_id, 2, true);
  }
};

}  // namespace

std::shared_ptr<Projection> MakeSeries() { return std::make_shared<Series>(); }

}  // namespace annal::internal
