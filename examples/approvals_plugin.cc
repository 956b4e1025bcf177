// A plugin for the `annal` command (docs/projections.md): approvals per
// action, how many were requested, granted, denied and expired, and how
// long the decided ones waited. Built against the installed package:
//   annal --plugin ./libapprovals_plugin.so --db DIR query approvals_by_action
#include <annal/plugin.h>

#include <string>
#include <variant>

namespace {

using annal::FieldType;
using annal::Values;

class ApprovalsByAction final : public annal::Projection {
 public:
  std::string name() const override { return "approvals_by_action"; }
  uint32_t version() const override { return 1; }
  std::vector<annal::TableSpec> tables() const override {
    return {{"actions",
             {{"action", FieldType::kStr}},
             {{"requested", FieldType::kInt},
              {"granted", FieldType::kInt},
              {"denied", FieldType::kInt},
              {"expired", FieldType::kInt},
              {"waited_us", FieldType::kInt}}},
            // Each pending approval's action and request time, until decided.
            {"pending",
             {{"approval_id", FieldType::kStr}},
             {{"action", FieldType::kStr}, {"requested_at", FieldType::kInt}}}};
  }

  void Apply(annal::ProjectionTx& tx, const annal::LoggedEvent& ev) override {
    const int64_t ts = ev.event.ts.value_or(0);
    const auto& body = ev.event.body;
    if (auto* r = std::get_if<annal::ApprovalRequested>(&body)) {
      tx.Put("pending", {r->approval_id}, {r->action, ts});
      Count(tx, r->action, kRequested, 0);
    } else if (auto* g = std::get_if<annal::ApprovalGranted>(&body)) {
      Decide(tx, g->approval_id, kGranted, ts);
    } else if (auto* d = std::get_if<annal::ApprovalDenied>(&body)) {
      Decide(tx, d->approval_id, kDenied, ts);
    } else if (auto* x = std::get_if<annal::ApprovalExpired>(&body)) {
      Decide(tx, x->approval_id, kExpired, ts);
    }
  }

 private:
  enum Counter : size_t { kRequested, kGranted, kDenied, kExpired };

  static void Decide(annal::ProjectionTx& tx, const std::string& id, Counter c,
                     int64_t ts) {
    auto pending = tx.Get("pending", {id});
    if (!pending) return;  // requested before this projection's first event: none here
    const auto& action = std::get<std::string>((*pending)[0]);
    Count(tx, action, c, ts - std::get<int64_t>((*pending)[1]));
    tx.Delete("pending", {id});
  }

  static void Count(annal::ProjectionTx& tx, const std::string& action, Counter c,
                    int64_t waited) {
    Values row =
        tx.Get("actions", {action})
            .value_or(Values{int64_t{0}, int64_t{0}, int64_t{0}, int64_t{0}, int64_t{0}});
    row[c] = std::get<int64_t>(row[c]) + 1;
    row[4] = std::get<int64_t>(row[4]) + waited;
    tx.Put("actions", {action}, row);
  }
};

void MakeProjections(std::vector<std::shared_ptr<annal::Projection>>* out) {
  out->push_back(std::make_shared<ApprovalsByAction>());
}

}  // namespace

ANNAL_PLUGIN(MakeProjections)
