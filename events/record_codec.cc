#include "events/record_codec.h"

#include <array>

#include "events/declared.h"
#include "events/enum_cast.h"

namespace annal::internal {
namespace {

namespace fb = annal::fbs;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using flatbuffers::String;

static_assert(static_cast<size_t>(fb::Event::MAX) == std::variant_size_v<EventBody>,
              "fbs/log.fbs union and annal::EventBody must list the same types");

// Creates the event's strings first, in field order, so table building below
// has no side effects whose order could vary between compilers. No event has
// more than kMaxStrings string fields; one that had would throw out_of_range
// at its first encoding (every type is encoded by the tests).
constexpr size_t kMaxStrings = 5;
template <class E>
std::array<Offset<String>, kMaxStrings> Strings(FlatBufferBuilder& b, const E& e) {
  std::array<Offset<String>, kMaxStrings> out{};
  size_t n = 0;
  E::Fields(e, [&](std::string_view, const auto& v) {
    using V = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<V, std::string>) {
      out.at(n++) = b.CreateString(v);
    } else if constexpr (std::is_same_v<V, OptString>) {
      out.at(n++) = v ? b.CreateString(*v) : Offset<String>();
    }
  });
  return out;
}

flatbuffers::Optional<int64_t> Opt(const OptTime& t) {
  return t ? flatbuffers::Optional<int64_t>(*t) : flatbuffers::nullopt;
}

struct BodyEncoder {
  FlatBufferBuilder& b;

  template <class E>
  Offset<void> operator()(const E& e) {
    auto s = Strings(b, e);
    return Build(e, s).Union();
  }
  using S = std::array<Offset<String>, kMaxStrings>;
  auto Build(const TaskCreated&, const S& s) {
    return fb::CreateTaskCreated(b, s[0], s[1], s[2]);
  }
  auto Build(const TaskStatusChanged& e, const S& s) {
    return fb::CreateTaskStatusChanged(b, s[0], Enum<fb::TaskStatus>(e.status), s[1],
                                       Opt(e.next_wake_time));
  }
  auto Build(const TaskStepAdvanced&, const S& s) {
    return fb::CreateTaskStepAdvanced(b, s[0], s[1]);
  }
  auto Build(const ScheduleCreated& e, const S& s) {
    return fb::CreateScheduleCreated(b, s[0], s[1], s[2], e.enabled, Opt(e.next_run_at));
  }
  auto Build(const ScheduleEnabled&, const S& s) {
    return fb::CreateScheduleEnabled(b, s[0]);
  }
  auto Build(const ScheduleDisabled&, const S& s) {
    return fb::CreateScheduleDisabled(b, s[0]);
  }
  auto Build(const ScheduleDeleted&, const S& s) {
    return fb::CreateScheduleDeleted(b, s[0]);
  }
  auto Build(const ScheduleRunDue& e, const S& s) {
    return fb::CreateScheduleRunDue(b, s[0], e.due_at);
  }
  auto Build(const ScheduleRunStarted& e, const S& s) {
    return fb::CreateScheduleRunStarted(b, s[0], Opt(e.next_run_at));
  }
  auto Build(const ScheduleRunMissed& e, const S& s) {
    return fb::CreateScheduleRunMissed(b, s[0], Opt(e.next_run_at));
  }
  auto Build(const ToolCallQueued&, const S& s) {
    return fb::CreateToolCallQueued(b, s[0], s[1], s[2]);
  }
  auto Build(const ToolCallStarted&, const S& s) {
    return fb::CreateToolCallStarted(b, s[0]);
  }
  auto Build(const ToolCallFinished& e, const S& s) {
    return fb::CreateToolCallFinished(b, s[0], Enum<fb::CallOutcome>(e.outcome));
  }
  auto Build(const WatcherCreated& e, const S& s) {
    return fb::CreateWatcherCreated(b, s[0], s[1], e.enabled);
  }
  auto Build(const WatcherEnabled&, const S& s) {
    return fb::CreateWatcherEnabled(b, s[0]);
  }
  auto Build(const WatcherDisabled&, const S& s) {
    return fb::CreateWatcherDisabled(b, s[0]);
  }
  auto Build(const WatcherDeleted&, const S& s) {
    return fb::CreateWatcherDeleted(b, s[0]);
  }
  auto Build(const WatcherTicked& e, const S& s) {
    return fb::CreateWatcherTicked(b, s[0], Enum<fb::TickOutcome>(e.outcome));
  }
  auto Build(const RuleCreated& e, const S& s) {
    return fb::CreateRuleCreated(b, s[0], s[1], e.enabled);
  }
  auto Build(const RuleEnabled&, const S& s) { return fb::CreateRuleEnabled(b, s[0]); }
  auto Build(const RuleDisabled&, const S& s) { return fb::CreateRuleDisabled(b, s[0]); }
  auto Build(const RuleDeleted&, const S& s) { return fb::CreateRuleDeleted(b, s[0]); }
  auto Build(const RuleHit&, const S& s) { return fb::CreateRuleHit(b, s[0]); }
  auto Build(const RuleSuppressed&, const S& s) {
    return fb::CreateRuleSuppressed(b, s[0], s[1]);
  }
  auto Build(const IntegrationRegistered&, const S& s) {
    return fb::CreateIntegrationRegistered(b, s[0], s[1]);
  }
  auto Build(const IntegrationSucceeded&, const S& s) {
    return fb::CreateIntegrationSucceeded(b, s[0]);
  }
  auto Build(const IntegrationFailed&, const S& s) {
    return fb::CreateIntegrationFailed(b, s[0], s[1]);
  }
  auto Build(const IntegrationAuthChanged& e, const S& s) {
    return fb::CreateIntegrationAuthChanged(b, s[0], Enum<fb::AuthStatus>(e.auth_status));
  }
  auto Build(const IntegrationRateLimited& e, const S& s) {
    return fb::CreateIntegrationRateLimited(b, s[0], e.remaining, e.reset_at);
  }
  auto Build(const ApprovalRequested& e, const S& s) {
    return fb::CreateApprovalRequested(b, s[0], s[1], s[2], s[3], e.expires_at);
  }
  auto Build(const ApprovalGranted&, const S& s) {
    return fb::CreateApprovalGranted(b, s[0], s[1]);
  }
  auto Build(const ApprovalDenied&, const S& s) {
    return fb::CreateApprovalDenied(b, s[0], s[1]);
  }
  auto Build(const ApprovalExpired&, const S& s) {
    return fb::CreateApprovalExpired(b, s[0], s[1]);
  }
  auto Build(const AutonomyLevelChanged& e, const S& s) {
    return fb::CreateAutonomyLevelChanged(b, static_cast<uint8_t>(e.level), s[0]);
  }
  auto Build(const AlarmRaised& e, const S& s) {
    return fb::CreateAlarmRaised(b, s[0], Enum<fb::Severity>(e.severity), s[1], s[2]);
  }
  auto Build(const AlarmAcked&, const S& s) { return fb::CreateAlarmAcked(b, s[0]); }
  auto Build(const AlarmResolved&, const S& s) {
    return fb::CreateAlarmResolved(b, s[0]);
  }
  auto Build(const EventTypeDeclared& e, const S& s) {
    return fb::CreateEventTypeDeclared(b, s[0], e.version, s[1]);
  }
  auto Build(const SubjectForgotten&, const S& s) {
    return fb::CreateSubjectForgotten(b, s[0]);
  }
  auto Build(const DeclaredEvent& e, const S&) {
    auto type = b.CreateString(e.type);
    auto fields = b.CreateVector(EncodeDeclaredFields(e));
    return fb::CreateDeclaredEvent(b, type, fields, e.version);
  }
};

std::string Str(const String* s) { return s ? s->str() : std::string(); }
OptString OptStr(const String* s) { return s ? OptString(s->str()) : std::nullopt; }
OptTime OptT(flatbuffers::Optional<int64_t> t) { return t ? OptTime(*t) : std::nullopt; }

EventBody DecodeBody(const fb::Record& r) {
  using T = fb::Event;
  switch (r.event_type()) {
    case T::TaskCreated: {
      auto* e = r.event_as_TaskCreated();
      return TaskCreated{Str(e->task_id()), Str(e->name()), OptStr(e->step())};
    }
    case T::TaskStatusChanged: {
      auto* e = r.event_as_TaskStatusChanged();
      return TaskStatusChanged{Str(e->task_id()), Enum<TaskStatus>(e->status()),
                               OptStr(e->step()), OptT(e->next_wake_time())};
    }
    case T::TaskStepAdvanced: {
      auto* e = r.event_as_TaskStepAdvanced();
      return TaskStepAdvanced{Str(e->task_id()), Str(e->step())};
    }
    case T::ScheduleCreated: {
      auto* e = r.event_as_ScheduleCreated();
      return ScheduleCreated{Str(e->schedule_id()), Str(e->name()), Str(e->spec()),
                             e->enabled(), OptT(e->next_run_at())};
    }
    case T::ScheduleEnabled:
      return ScheduleEnabled{Str(r.event_as_ScheduleEnabled()->schedule_id())};
    case T::ScheduleDisabled:
      return ScheduleDisabled{Str(r.event_as_ScheduleDisabled()->schedule_id())};
    case T::ScheduleDeleted:
      return ScheduleDeleted{Str(r.event_as_ScheduleDeleted()->schedule_id())};
    case T::ScheduleRunDue: {
      auto* e = r.event_as_ScheduleRunDue();
      return ScheduleRunDue{Str(e->schedule_id()), e->due_at()};
    }
    case T::ScheduleRunStarted: {
      auto* e = r.event_as_ScheduleRunStarted();
      return ScheduleRunStarted{Str(e->schedule_id()), OptT(e->next_run_at())};
    }
    case T::ScheduleRunMissed: {
      auto* e = r.event_as_ScheduleRunMissed();
      return ScheduleRunMissed{Str(e->schedule_id()), OptT(e->next_run_at())};
    }
    case T::ToolCallQueued: {
      auto* e = r.event_as_ToolCallQueued();
      return ToolCallQueued{Str(e->call_id()), Str(e->task_id()), Str(e->tool())};
    }
    case T::ToolCallStarted:
      return ToolCallStarted{Str(r.event_as_ToolCallStarted()->call_id())};
    case T::ToolCallFinished: {
      auto* e = r.event_as_ToolCallFinished();
      return ToolCallFinished{Str(e->call_id()), Enum<CallOutcome>(e->outcome())};
    }
    case T::WatcherCreated: {
      auto* e = r.event_as_WatcherCreated();
      return WatcherCreated{Str(e->watcher_id()), Str(e->name()), e->enabled()};
    }
    case T::WatcherEnabled:
      return WatcherEnabled{Str(r.event_as_WatcherEnabled()->watcher_id())};
    case T::WatcherDisabled:
      return WatcherDisabled{Str(r.event_as_WatcherDisabled()->watcher_id())};
    case T::WatcherDeleted:
      return WatcherDeleted{Str(r.event_as_WatcherDeleted()->watcher_id())};
    case T::WatcherTicked: {
      auto* e = r.event_as_WatcherTicked();
      return WatcherTicked{Str(e->watcher_id()), Enum<TickOutcome>(e->outcome())};
    }
    case T::RuleCreated: {
      auto* e = r.event_as_RuleCreated();
      return RuleCreated{Str(e->rule_id()), Str(e->name()), e->enabled()};
    }
    case T::RuleEnabled:
      return RuleEnabled{Str(r.event_as_RuleEnabled()->rule_id())};
    case T::RuleDisabled:
      return RuleDisabled{Str(r.event_as_RuleDisabled()->rule_id())};
    case T::RuleDeleted:
      return RuleDeleted{Str(r.event_as_RuleDeleted()->rule_id())};
    case T::RuleHit:
      return RuleHit{Str(r.event_as_RuleHit()->rule_id())};
    case T::RuleSuppressed: {
      auto* e = r.event_as_RuleSuppressed();
      return RuleSuppressed{Str(e->rule_id()), Str(e->reason())};
    }
    case T::IntegrationRegistered: {
      auto* e = r.event_as_IntegrationRegistered();
      return IntegrationRegistered{Str(e->integration_id()), Str(e->name())};
    }
    case T::IntegrationSucceeded:
      return IntegrationSucceeded{
          Str(r.event_as_IntegrationSucceeded()->integration_id())};
    case T::IntegrationFailed: {
      auto* e = r.event_as_IntegrationFailed();
      return IntegrationFailed{Str(e->integration_id()), Str(e->error())};
    }
    case T::IntegrationAuthChanged: {
      auto* e = r.event_as_IntegrationAuthChanged();
      return IntegrationAuthChanged{Str(e->integration_id()),
                                    Enum<AuthStatus>(e->auth_status())};
    }
    case T::IntegrationRateLimited: {
      auto* e = r.event_as_IntegrationRateLimited();
      return IntegrationRateLimited{Str(e->integration_id()), e->remaining(),
                                    e->reset_at()};
    }
    case T::ApprovalRequested: {
      auto* e = r.event_as_ApprovalRequested();
      return ApprovalRequested{Str(e->approval_id()), Str(e->task_id()), Str(e->action()),
                               OptStr(e->context()), e->expires_at()};
    }
    case T::ApprovalGranted: {
      auto* e = r.event_as_ApprovalGranted();
      return ApprovalGranted{Str(e->approval_id()), OptStr(e->reason())};
    }
    case T::ApprovalDenied: {
      auto* e = r.event_as_ApprovalDenied();
      return ApprovalDenied{Str(e->approval_id()), OptStr(e->reason())};
    }
    case T::ApprovalExpired: {
      auto* e = r.event_as_ApprovalExpired();
      return ApprovalExpired{Str(e->approval_id()), OptStr(e->reason())};
    }
    case T::AutonomyLevelChanged: {
      auto* e = r.event_as_AutonomyLevelChanged();
      return AutonomyLevelChanged{e->level(), OptStr(e->reason())};
    }
    case T::AlarmRaised: {
      auto* e = r.event_as_AlarmRaised();
      return AlarmRaised{Str(e->alarm_id()), Enum<Severity>(e->severity()),
                         Str(e->source()), Str(e->message())};
    }
    case T::AlarmAcked:
      return AlarmAcked{Str(r.event_as_AlarmAcked()->alarm_id())};
    case T::AlarmResolved:
      return AlarmResolved{Str(r.event_as_AlarmResolved()->alarm_id())};
    case T::EventTypeDeclared: {
      auto* e = r.event_as_EventTypeDeclared();
      return EventTypeDeclared{Str(e->name()), e->version(), Str(e->fields())};
    }
    case T::DeclaredEvent: {
      auto* e = r.event_as_DeclaredEvent();
      auto fields = DecodeDeclaredFields(e->fields()->data(), e->fields()->size());
      // VerifiedRecord() checked the map's values: a broken invariant.
      if (!fields) throw std::logic_error("declared event with malformed fields");
      return DeclaredEvent{Str(e->type()), std::move(*fields), e->version()};
    }
    case T::SubjectForgotten:
      return SubjectForgotten{Str(r.event_as_SubjectForgotten()->subject())};
    case T::NONE:
      break;
  }
  // VerifiedRecord() admits only known union types, so this is a broken invariant.
  throw std::logic_error("log record with unknown event type");
}

}  // namespace

void EncodeRecord(FlatBufferBuilder& b, uint64_t seq, int64_t ts, const Event& ev) {
  b.Clear();
  Offset<String> actor = ev.actor ? b.CreateString(*ev.actor) : Offset<String>();
  Offset<void> body = std::visit(BodyEncoder{b}, ev.body);
  auto type = static_cast<fb::Event>(ev.body.index() + 1);
  auto rec = fb::CreateRecord(b, seq, ts, actor, type, body, ev.shape.value_or(0));
  b.TrackMinAlign(8);  // size a multiple of 8: see store/keys.h
  fb::FinishRecordBuffer(b, rec);
}

namespace {

template <class E>
bool InRange(E v) {
  return static_cast<uint8_t>(v) <= static_cast<uint8_t>(E::MAX);
}

// The FlatBuffers verifier checks structure, not enum ranges; a value past an
// enum's names could only come from a damaged or forged record, and would
// index past the name tables of the JSON codec.
bool EnumsInRange(const fb::Record& r) {
  using T = fb::Event;
  switch (r.event_type()) {
    case T::TaskStatusChanged:
      return InRange(r.event_as_TaskStatusChanged()->status());
    case T::ToolCallFinished:
      return InRange(r.event_as_ToolCallFinished()->outcome());
    case T::WatcherTicked:
      return InRange(r.event_as_WatcherTicked()->outcome());
    case T::IntegrationAuthChanged:
      return InRange(r.event_as_IntegrationAuthChanged()->auth_status());
    case T::AlarmRaised:
      return InRange(r.event_as_AlarmRaised()->severity());
    case T::DeclaredEvent: {  // (named for what it checks: the values' kinds)
      auto* f = r.event_as_DeclaredEvent()->fields();
      return DeclaredFieldsWellFormed(f->data(), f->size());
    }
    default:
      return true;
  }
}

}  // namespace

const fbs::Record* VerifiedRecord(std::string_view bytes) {
  auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  flatbuffers::Verifier v(data, bytes.size());
  if (!fb::VerifyRecordBuffer(v)) return nullptr;
  const fb::Record* rec = fb::GetRecord(data);
  auto type = rec->event_type();
  if (type == fb::Event::NONE || type > fb::Event::MAX) return nullptr;
  return EnumsInRange(*rec) ? rec : nullptr;
}

LoggedEvent DecodeRecord(const fbs::Record& rec) {
  // Constructed around the body, not assigned to a default one: this runs
  // once per record for each projection of your own.
  LoggedEvent out{rec.seq(), Event(DecodeBody(rec))};
  out.event.ts = rec.ts();
  if (rec.actor()) out.event.actor = rec.actor()->str();
  if (rec.shape() != 0) out.event.shape = rec.shape();
  return out;
}

}  // namespace annal::internal
