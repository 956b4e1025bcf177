// Stateful rules: each handler checks one event type against the registry and
// records its effect. Registry values are 8 bytes, little-endian u64: the low
// byte is the entity's state, the upper 56 bits a counter (docs/format.md).
#include <cstring>

#include "events/json_writer.h"
#include "store/keys.h"
#include "validator/declared_rules.h"
#include "validator/validate.h"

namespace annal::internal {
namespace {

using Kind = EntityKind;
constexpr Kind kTask = Kind::kTask, kSchedule = Kind::kSchedule, kCall = Kind::kToolCall,
               kWatcher = Kind::kWatcher, kRule = Kind::kRule,
               kIntegration = Kind::kIntegration, kApproval = Kind::kApproval,
               kAlarm = Kind::kAlarm, kAutonomy = Kind::kAutonomy;
// States of entities that can be deleted, and of those that only exist.
constexpr uint8_t kLive = 1, kDeleted = 2;
enum CallState : uint8_t { kCallQueued, kCallStarted, kCallFinished };
enum ApprovalState : uint8_t { kPending, kDecided };
enum AlarmState : uint8_t { kAlarmOpen, kAlarmAcked, kAlarmResolved };

struct Entry {
  uint8_t state = 0;
  uint64_t count = 0;
};

std::string_view KindName(Kind k) {
  for (const EntityKindSpec& spec : kEntityKinds) {
    if (spec.kind == k) return spec.name;
  }
  return "entity";
}

using Verdict = std::optional<std::string>;

Verdict Fail(std::string what, std::string_view rule) {
  return what + " (rule: " + std::string(rule) + ")";
}

// The id as a JSON string: an id may hold quotes and control characters
// (a "\r" read back from a pipe in text mode is a "\n"), and a message
// must not pass them raw to a terminal or a log line.
std::string Named(Kind k, std::string_view id) {
  std::string out(KindName(k));
  out += ' ';
  AppendJsonString(out, id);
  return out;
}

class Admission {
 public:
  Admission(Kv& kv, AlignedBuf& buf, std::optional<DeclaredEvent>* logged,
            std::vector<std::string>* personal, const UpcasterSet* upcasters)
      : kv_(kv), buf_(buf), logged_(logged), personal_(personal), upcasters_(upcasters) {}

  Verdict operator()(const TaskCreated& e) { return Create(kTask, e.task_id, 0); }
  Verdict operator()(const TaskStatusChanged& e) {
    if (auto v = RequireActiveTask(e.task_id)) return v;
    Store(kTask, e.task_id, {static_cast<uint8_t>(e.status), 0});
    return std::nullopt;
  }
  Verdict operator()(const TaskStepAdvanced& e) { return RequireActiveTask(e.task_id); }

  Verdict operator()(const ScheduleCreated& e) {
    return Create(kSchedule, e.schedule_id, kLive);
  }
  Verdict operator()(const ScheduleEnabled& e) {
    return RequireLive(kSchedule, e.schedule_id);
  }
  Verdict operator()(const ScheduleDisabled& e) {
    return RequireLive(kSchedule, e.schedule_id);
  }
  Verdict operator()(const ScheduleDeleted& e) {
    return Delete(kSchedule, e.schedule_id);
  }
  Verdict operator()(const ScheduleRunDue& e) {
    if (auto v = RequireLive(kSchedule, e.schedule_id)) return v;
    Store(kSchedule, e.schedule_id, {kLive, loaded_.count + 1});
    return std::nullopt;
  }
  Verdict operator()(const ScheduleRunStarted& e) {
    return TakeWaitingRun(e.schedule_id);
  }
  Verdict operator()(const ScheduleRunMissed& e) { return TakeWaitingRun(e.schedule_id); }

  Verdict operator()(const ToolCallQueued& e) {
    if (Load(kCall, e.call_id))
      return Fail(Named(kCall, e.call_id) + " already exists", "id is new");
    if (!Load(kTask, e.task_id)) {
      return Fail(Named(kTask, e.task_id) + " does not exist", "task exists");
    }
    Store(kCall, e.call_id, {kCallQueued, 0});
    return std::nullopt;
  }
  Verdict operator()(const ToolCallStarted& e) {
    return Advance(kCall, e.call_id, kCallQueued, kCallStarted, "queued",
                   "call is queued");
  }
  Verdict operator()(const ToolCallFinished& e) {
    return Advance(kCall, e.call_id, kCallStarted, kCallFinished, "started",
                   "call is started");
  }

  Verdict operator()(const WatcherCreated& e) {
    return Create(kWatcher, e.watcher_id, kLive);
  }
  Verdict operator()(const WatcherEnabled& e) {
    return RequireLive(kWatcher, e.watcher_id);
  }
  Verdict operator()(const WatcherDisabled& e) {
    return RequireLive(kWatcher, e.watcher_id);
  }
  Verdict operator()(const WatcherDeleted& e) { return Delete(kWatcher, e.watcher_id); }
  Verdict operator()(const WatcherTicked& e) {
    return RequireLive(kWatcher, e.watcher_id);
  }

  Verdict operator()(const RuleCreated& e) { return Create(kRule, e.rule_id, kLive); }
  Verdict operator()(const RuleEnabled& e) { return RequireLive(kRule, e.rule_id); }
  Verdict operator()(const RuleDisabled& e) { return RequireLive(kRule, e.rule_id); }
  Verdict operator()(const RuleDeleted& e) { return Delete(kRule, e.rule_id); }
  Verdict operator()(const RuleHit& e) { return RequireLive(kRule, e.rule_id); }
  Verdict operator()(const RuleSuppressed& e) { return RequireLive(kRule, e.rule_id); }

  Verdict operator()(const IntegrationRegistered& e) {
    return Create(kIntegration, e.integration_id, kLive);
  }
  Verdict operator()(const IntegrationSucceeded& e) {
    return RequireLive(kIntegration, e.integration_id);
  }
  Verdict operator()(const IntegrationFailed& e) {
    return RequireLive(kIntegration, e.integration_id);
  }
  Verdict operator()(const IntegrationAuthChanged& e) {
    return RequireLive(kIntegration, e.integration_id);
  }
  Verdict operator()(const IntegrationRateLimited& e) {
    return RequireLive(kIntegration, e.integration_id);
  }

  Verdict operator()(const ApprovalRequested& e) {
    if (Load(kApproval, e.approval_id)) {
      return Fail(Named(kApproval, e.approval_id) + " already exists", "id is new");
    }
    if (!Load(kTask, e.task_id)) {
      return Fail(Named(kTask, e.task_id) + " does not exist", "task exists");
    }
    Store(kApproval, e.approval_id, {kPending, 0});
    return std::nullopt;
  }
  Verdict operator()(const ApprovalGranted& e) { return Decide(e.approval_id); }
  Verdict operator()(const ApprovalDenied& e) { return Decide(e.approval_id); }
  Verdict operator()(const ApprovalExpired& e) { return Decide(e.approval_id); }

  Verdict operator()(const AutonomyLevelChanged& e) {
    auto current = Load(kAutonomy, "");
    int64_t level = current ? current->state : 0;
    if (e.level == level) {
      return Fail("autonomy level is already " + std::to_string(level),
                  "level differs from the current one");
    }
    Store(kAutonomy, "", {static_cast<uint8_t>(e.level), 0});
    return std::nullopt;
  }

  Verdict operator()(const AlarmRaised& e) {
    auto a = Load(kAlarm, e.alarm_id);
    if (a && a->state != kAlarmResolved) {
      return Fail(Named(kAlarm, e.alarm_id) + " is " +
                      (a->state == kAlarmOpen ? "open" : "acked"),
                  "id is new, or its alarm is resolved");
    }
    Store(kAlarm, e.alarm_id, {kAlarmOpen, 0});
    return std::nullopt;
  }
  Verdict operator()(const AlarmAcked& e) {
    return Advance(kAlarm, e.alarm_id, kAlarmOpen, kAlarmAcked, "open", "alarm is open");
  }
  Verdict operator()(const AlarmResolved& e) {
    auto a = Load(kAlarm, e.alarm_id);
    if (!a || a->state == kAlarmResolved) {
      return Fail(
          Named(kAlarm, e.alarm_id) + (a ? " is already resolved" : " does not exist"),
          "alarm is open or acked");
    }
    Store(kAlarm, e.alarm_id, {kAlarmResolved, 0});
    return std::nullopt;
  }

  Verdict operator()(const EventTypeDeclared& e) {
    return AdmitDeclaration(kv_, e, buf_, upcasters_);
  }
  Verdict operator()(const SubjectForgotten&) {
    return std::nullopt;  // its effect is the key's destruction (engine/subject_keys.h)
  }
  Verdict operator()(const DeclaredEvent& e) {
    return AdmitDeclared(kv_, e, buf_, logged_, personal_);
  }

 private:
  std::optional<Entry> Load(Kind k, std::string_view id) {
    if (!kv_.Get(Db::kRegistry, keys::Registry(k, id), buf_)) return std::nullopt;
    uint64_t word = 0;
    std::memcpy(&word, buf_.data(), sizeof word);
    loaded_ = Entry{static_cast<uint8_t>(word & 0xFF), word >> 8};
    return loaded_;
  }
  void Store(Kind k, std::string_view id, Entry e) {
    uint64_t word = (e.count << 8) | e.state;
    kv_.Put(Db::kRegistry, keys::Registry(k, id),
            std::string_view(reinterpret_cast<const char*>(&word), sizeof word));
  }

  Verdict Create(Kind k, std::string_view id, uint8_t state) {
    if (auto e = Load(k, id)) {
      return Fail(Named(k, id) + (e->state == kDeleted && k != kTask
                                      ? " was deleted; its id may not be used again"
                                      : " already exists"),
                  "id is new");
    }
    Store(k, id, {state, 0});
    return std::nullopt;
  }
  // Leaves the entry in loaded_ for handlers that update it.
  Verdict RequireLive(Kind k, std::string_view id) {
    std::string rule = std::string(KindName(k)) + " exists";
    auto e = Load(k, id);
    if (!e) return Fail(Named(k, id) + " does not exist", rule);
    if (e->state == kDeleted) return Fail(Named(k, id) + " was deleted", rule);
    return std::nullopt;
  }
  Verdict Delete(Kind k, std::string_view id) {
    if (auto v = RequireLive(k, id)) return v;
    Store(k, id, {kDeleted, 0});
    return std::nullopt;
  }
  Verdict RequireActiveTask(std::string_view id) {
    constexpr std::string_view rule = "task exists and is not terminal";
    auto t = Load(kTask, id);
    if (!t) return Fail(Named(kTask, id) + " does not exist", rule);
    auto status = static_cast<TaskStatus>(t->state);
    if (IsTerminal(status)) {
      return Fail(
          Named(kTask, id) + " is " + std::string(NameOf(status)) + ", a terminal status",
          rule);
    }
    return std::nullopt;
  }
  Verdict TakeWaitingRun(std::string_view id) {
    if (auto v = RequireLive(kSchedule, id)) return v;
    if (loaded_.count == 0) {
      return Fail(Named(kSchedule, id) + " has no waiting run", "a run of it is waiting");
    }
    Store(kSchedule, id, {kLive, loaded_.count - 1});
    return std::nullopt;
  }
  Verdict Advance(Kind k, std::string_view id, uint8_t from, uint8_t to,
                  std::string_view from_name, std::string_view rule) {
    auto e = Load(k, id);
    if (!e) return Fail(Named(k, id) + " does not exist", rule);
    if (e->state != from) {
      return Fail(Named(k, id) + " is not " + std::string(from_name), rule);
    }
    Store(k, id, {to, 0});
    return std::nullopt;
  }
  Verdict Decide(std::string_view id) {
    return Advance(kApproval, id, kPending, kDecided, "pending", "approval is pending");
  }

  Kv& kv_;
  AlignedBuf& buf_;
  std::optional<DeclaredEvent>* logged_;
  std::vector<std::string>* personal_;
  const UpcasterSet* upcasters_;
  Entry loaded_;
};

}  // namespace

std::optional<std::string> Validator::Admit(Kv& kv, const Event& ev) {
  logged_ = nullptr;
  declared_.reset();
  personal_.clear();
  const bool built_in = !std::holds_alternative<DeclaredEvent>(ev.body);
  std::optional<uint32_t> stamp;
  if (built_in) {
    if (upcasters_) stamp = upcasters_->StampFor(ev.type());
    if (ev.shape && *ev.shape > stamp.value_or(1)) {
      return "shape " + std::to_string(*ev.shape) + " of " + std::string(ev.type()) +
             " is newer than its current shape " + std::to_string(stamp.value_or(1)) +
             " (rule: a built-in event's shape is at most one past the last upcaster "
             "registered for its type, docs/events.md)";
    }
  }
  std::optional<std::string> verdict =
      std::visit(Admission(kv, buf_, &declared_, &personal_, upcasters_), ev.body);
  if (verdict) return verdict;
  if (declared_) {
    normalized_.body = std::move(*declared_);
    normalized_.ts = ev.ts;
    normalized_.actor = ev.actor;
    normalized_.subject = ev.subject;
    normalized_.shape.reset();
    logged_ = &normalized_;
  } else if (built_in && (ev.shape == 1u || (!ev.shape && stamp))) {
    // Stamped with the current shape; shape 1 is logged as none.
    normalized_ = ev;
    normalized_.shape = ev.shape ? std::nullopt : stamp;
    logged_ = &normalized_;
  }
  return std::nullopt;
}

}  // namespace annal::internal
