// proj_alarms: open and acked alarms, and the 100 most recently resolved ones
// ("most recently" by the seq of the resolving event: commit order). All
// resolved alarms are ordered in aux_alarms_resolved_order; those pushed out
// of the window wait in aux_alarms_evicted, and come back when an alarm in the
// window is raised again. idx_alarms_by_state indexes the rows in proj_alarms.
#include "projectors/built_in_table.h"
#include "projectors/projector.h"
#include "store/keys.h"

namespace annal::internal {
namespace {

namespace fb = annal::fbs;

constexpr size_t kResolvedKept = 100;

class Alarms final : public Projector {
 public:
  std::string_view name() const override { return "alarms"; }
  uint32_t version() const override { return 1; }
  std::vector<DeclaredTable> Tables() const override {
    // The by-state index keys a state byte, not a declared field's
    // encoding: `annal query alarms --state` reads it.
    return {BuiltInTable<fb::AlarmRow, 1>("alarms", Db::kAlarms)};
  }

  void Apply(Kv& kv, const fb::Record& rec) override {
    switch (rec.event_type()) {
      case fb::Event::AlarmRaised:
        OnRaised(kv, rec.ts(), *rec.event_as_AlarmRaised());
        break;
      case fb::Event::AlarmAcked:
        Transition(kv, rec.event_as_AlarmAcked()->alarm_id()->string_view(),
                   [&](StoredAlarm& a) {
                     a.row.state = AlarmState::kAcked;
                     a.row.acked_at = rec.ts();
                   });
        break;
      case fb::Event::AlarmResolved: {
        std::string_view id = rec.event_as_AlarmResolved()->alarm_id()->string_view();
        Transition(kv, id, [&](StoredAlarm& a) {
          a.row.state = AlarmState::kResolved;
          a.row.resolved_at = rec.ts();
          a.resolved_seq = rec.seq();
        });
        kv.Put(Db::kAlarmsResolvedOrder, keys::SeqId(rec.seq(), id), {});
        if (auto pushed_out = NthNewestResolved(kv, kResolvedKept + 1)) {
          Evict(kv, *pushed_out);
        }
        break;
      }
      default:
        break;
    }
  }

 private:
  static keys::Key StateKey(AlarmState s, std::string_view id) {
    return keys::StateId(static_cast<uint8_t>(s), id);
  }

  void OnRaised(Kv& kv, int64_t ts, const fb::AlarmRaised& e) {
    std::string_view id = e.alarm_id()->string_view();
    auto key = keys::Id(id);
    if (auto old = LoadRow<fb::AlarmRow>(kv, Db::kAlarms, key, buf_)) {
      // Raised again from inside the window: its place goes to the newest evicted.
      kv.Del(Db::kAlarmsResolvedOrder, keys::SeqId(old->resolved_seq, id));
      kv.Del(Db::kAlarmsByState, StateKey(old->row.state, id));
      if (auto promoted = NthNewestResolved(kv, kResolvedKept)) Promote(kv, *promoted);
    } else if (auto evicted = LoadRow<fb::AlarmRow>(kv, Db::kAlarmsEvicted, key, buf_)) {
      kv.Del(Db::kAlarmsResolvedOrder, keys::SeqId(evicted->resolved_seq, id));
      kv.Del(Db::kAlarmsEvicted, key);
    }
    StoredAlarm a{{id, static_cast<Severity>(e.severity()), e.source()->string_view(),
                   e.message()->string_view(), AlarmState::kOpen, ts}};
    kv.Put(Db::kAlarms, key, Encode(b_, a));
    kv.Put(Db::kAlarmsByState, StateKey(AlarmState::kOpen, id), {});
  }

  template <class Fn>
  void Transition(Kv& kv, std::string_view id, Fn&& change) {
    auto key = keys::Id(id);
    auto a = LoadRow<fb::AlarmRow>(kv, Db::kAlarms, key, buf_);
    if (!a) throw BrokenInvariant(name(), "unknown alarm " + std::string(id));
    kv.Del(Db::kAlarmsByState, StateKey(a->row.state, id));
    change(*a);
    kv.Put(Db::kAlarms, key, Encode(b_, *a));
    kv.Put(Db::kAlarmsByState, StateKey(a->row.state, id), {});
  }

  // The id of the n-th most recently resolved alarm (1 = newest), if any.
  std::optional<std::string> NthNewestResolved(Kv& kv, size_t n) {
    std::optional<std::string> found;
    size_t seen = 0;
    kv.ScanKeysBackward(Db::kAlarmsResolvedOrder, [&](std::string_view k) {
      if (++seen < n) return true;
      found = std::string(keys::IndexedId(k));
      return false;
    });
    return found;
  }

  void Evict(Kv& kv, const std::string& id) {
    auto key = keys::Id(id);
    auto a = LoadRow<fb::AlarmRow>(kv, Db::kAlarms, key, buf_);
    if (!a) return;  // already outside the window
    kv.Put(Db::kAlarmsEvicted, key, buf_.view());
    kv.Del(Db::kAlarms, key);
    kv.Del(Db::kAlarmsByState, StateKey(AlarmState::kResolved, id));
  }

  void Promote(Kv& kv, const std::string& id) {
    auto key = keys::Id(id);
    if (!kv.Get(Db::kAlarmsEvicted, key, buf_)) return;  // already inside the window
    kv.Put(Db::kAlarms, key, buf_.view());
    kv.Del(Db::kAlarmsEvicted, key);
    kv.Put(Db::kAlarmsByState, StateKey(AlarmState::kResolved, id), {});
  }

  Builder b_;
  AlignedBuf buf_;
};

}  // namespace

std::unique_ptr<Projector> MakeAlarmsProjector() { return std::make_unique<Alarms>(); }

}  // namespace annal::internal
