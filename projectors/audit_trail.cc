// proj_audit_trail (projectors/audit_trail.h). Table `entries`, key (kind,
// id, seq), no other fields: one entry per entity an event names, found by
// its id fields (`task_id` names a task, `call_id` a tool call, ...). A
// task's trail holds its tool calls' and approvals' events too: the events
// after a call is queued (or an approval requested) name only the call, so
// `call_task` and `approval_task` remember whose they are until they end.
#include "projectors/audit_trail.h"

#include <array>
#include <utility>
#include <vector>

namespace annal::internal {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kIdFields = {{
    {"task_id", "task"},
    {"schedule_id", "schedule"},
    {"watcher_id", "watcher"},
    {"rule_id", "rule"},
    {"integration_id", "integration"},
    {"call_id", "tool_call"},
    {"approval_id", "approval"},
    {"alarm_id", "alarm"},
}};

std::string_view KindOfField(std::string_view field) {
  for (const auto& [name, kind] : kIdFields)
    if (name == field) return kind;
  return {};
}

FieldSpec Str(std::string name) { return {std::move(name), FieldType::kStr}; }

// (kind, id) of each entity the event names in its own fields.
std::vector<std::pair<std::string_view, std::string>> Named(const Event& ev) {
  std::vector<std::pair<std::string_view, std::string>> out;
  std::visit(
      [&](const auto& body) {
        using Body = std::decay_t<decltype(body)>;
        if constexpr (!std::is_same_v<Body, DeclaredEvent>) {
          Body::Fields(body, [&](std::string_view field, const auto& value) {
            if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
              if (auto kind = KindOfField(field); !kind.empty())
                out.emplace_back(kind, value);
            }
          });
        }
      },
      ev.body);
  return out;
}

class AuditTrail final : public Projection {
 public:
  std::string name() const override { return std::string(kAuditTrail); }
  uint32_t version() const override { return 1; }
  std::vector<TableSpec> tables() const override {
    return {
        {std::string(kAuditTrailEntries),
         {Str("kind"), Str("id"), {"seq", FieldType::kInt}},
         {},
         {}},
        {"call_task", {Str("call_id")}, {Str("task_id")}, {}},
        {"approval_task", {Str("approval_id")}, {Str("task_id")}, {}},
    };
  }

  void Apply(ProjectionTx& tx, const LoggedEvent& e) override {
    auto named = Named(e.event);
    if (named.empty()) return;
    const auto& body = e.event.body;
    if (auto* q = std::get_if<ToolCallQueued>(&body)) {
      tx.Put("call_task", {q->call_id}, {q->task_id});
    } else if (auto* a = std::get_if<ApprovalRequested>(&body)) {
      tx.Put("approval_task", {a->approval_id}, {a->task_id});
    } else if (named.size() == 1 && named[0].first == "tool_call") {
      named.emplace_back("task", TaskOf(tx, "call_task", named[0].second,
                                        std::holds_alternative<ToolCallFinished>(body)));
    } else if (named.size() == 1 && named[0].first == "approval") {
      // Granted, denied, expired: each ends the approval.
      named.emplace_back("task", TaskOf(tx, "approval_task", named[0].second, true));
    }
    const int64_t seq = static_cast<int64_t>(e.seq);
    for (const auto& [kind, id] : named) {
      if (!id.empty()) tx.Put(kAuditTrailEntries, {std::string(kind), id, seq}, {});
    }
  }

 private:
  // The task `table` remembers for `id` ("" when none: the validator saw to
  // it that there is one), forgotten when `ends`.
  static std::string TaskOf(ProjectionTx& tx, std::string_view table,
                            const std::string& id, bool ends) {
    auto row = tx.Get(table, {id});
    if (!row) return {};
    std::string task = std::get<std::string>(row->at(0));
    if (ends) tx.Delete(table, {id});
    return task;
  }
};

}  // namespace

bool IsTrailKind(std::string_view kind) {
  for (const auto& [field, k] : kIdFields)
    if (k == kind) return true;
  return false;
}

std::shared_ptr<Projection> MakeAuditTrail() { return std::make_shared<AuditTrail>(); }

}  // namespace annal::internal
