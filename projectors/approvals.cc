// proj_approvals: pending approvals, indexed by (expires_at, approval_id).
// A decision (granted, denied, expired) removes the row and its index entry.
#include "projectors/built_in_table.h"
#include "projectors/projector.h"
#include "store/keys.h"

namespace annal::internal {
namespace {

namespace fb = annal::fbs;

class Approvals final : public Projector {
 public:
  std::string_view name() const override { return "approvals"; }
  uint32_t version() const override { return 1; }
  std::vector<DeclaredTable> Tables() const override {
    return {BuiltInTable<fb::ApprovalRow, 1>(
        "approvals", Db::kApprovals,
        {{"by_expiry", "expires_at", Db::kApprovalsByExpiry}})};
  }

  void Apply(Kv& kv, const fb::Record& rec) override {
    switch (rec.event_type()) {
      case fb::Event::ApprovalRequested: {
        auto* e = rec.event_as_ApprovalRequested();
        ApprovalRow row{e->approval_id()->string_view(),
                        e->task_id()->string_view(),
                        e->action()->string_view(),
                        std::nullopt,
                        rec.ts(),
                        e->expires_at()};
        if (e->context()) row.context = e->context()->string_view();
        kv.Put(Db::kApprovals, keys::Id(row.approval_id), Encode(b_, row));
        kv.Put(Db::kApprovalsByExpiry, keys::TimeId(row.expires_at, row.approval_id), {});
        break;
      }
      case fb::Event::ApprovalGranted:
        Decide(kv, rec.event_as_ApprovalGranted()->approval_id());
        break;
      case fb::Event::ApprovalDenied:
        Decide(kv, rec.event_as_ApprovalDenied()->approval_id());
        break;
      case fb::Event::ApprovalExpired:
        Decide(kv, rec.event_as_ApprovalExpired()->approval_id());
        break;
      default:
        break;
    }
  }

 private:
  void Decide(Kv& kv, const flatbuffers::String* id_str) {
    std::string_view id = id_str->string_view();
    auto key = keys::Id(id);
    auto row = LoadRow<fb::ApprovalRow>(kv, Db::kApprovals, key, buf_);
    if (!row)
      throw BrokenInvariant(name(), "decision on unknown approval " + std::string(id));
    kv.Del(Db::kApprovalsByExpiry, keys::TimeId(row->expires_at, id));
    kv.Del(Db::kApprovals, key);
  }

  Builder b_;
  AlignedBuf buf_;
};

}  // namespace

std::unique_ptr<Projector> MakeApprovalsProjector() {
  return std::make_unique<Approvals>();
}

}  // namespace annal::internal
