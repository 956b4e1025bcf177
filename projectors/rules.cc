// proj_rules: every rule, enabled or not, until it is deleted.
#include "projectors/built_in_table.h"
#include "projectors/projector.h"
#include "store/keys.h"

namespace annal::internal {
namespace {

namespace fb = annal::fbs;

class Rules final : public Projector {
 public:
  std::string_view name() const override { return "rules"; }
  uint32_t version() const override { return 1; }
  std::vector<DeclaredTable> Tables() const override {
    return {BuiltInTable<fb::RuleRow, 1>("rules", Db::kRules)};
  }

  void Apply(Kv& kv, const fb::Record& rec) override {
    switch (rec.event_type()) {
      case fb::Event::RuleCreated: {
        auto* e = rec.event_as_RuleCreated();
        RuleRow row{e->rule_id()->string_view(), e->name()->string_view(), e->enabled()};
        kv.Put(Db::kRules, keys::Id(row.rule_id), Encode(b_, row));
        break;
      }
      case fb::Event::RuleEnabled:
        Update(kv, rec.event_as_RuleEnabled()->rule_id(),
               [](RuleRow& r) { r.enabled = true; });
        break;
      case fb::Event::RuleDisabled:
        Update(kv, rec.event_as_RuleDisabled()->rule_id(),
               [](RuleRow& r) { r.enabled = false; });
        break;
      case fb::Event::RuleDeleted:
        kv.Del(Db::kRules,
               keys::Id(rec.event_as_RuleDeleted()->rule_id()->string_view()));
        break;
      case fb::Event::RuleHit:
        Update(kv, rec.event_as_RuleHit()->rule_id(), [&](RuleRow& r) {
          ++r.hit_count;
          r.last_hit_at = rec.ts();
        });
        break;
      case fb::Event::RuleSuppressed: {
        auto* e = rec.event_as_RuleSuppressed();
        Update(kv, e->rule_id(), [&](RuleRow& r) {
          r.last_suppression_reason = e->reason()->string_view();
        });
        break;
      }
      default:
        break;
    }
  }

 private:
  template <class Fn>
  void Update(Kv& kv, const flatbuffers::String* id, Fn&& change) {
    UpdateRow<fb::RuleRow>(kv, Db::kRules, keys::Id(id->string_view()), buf_, b_, change);
  }

  Builder b_;
  AlignedBuf buf_;
};

}  // namespace

std::unique_ptr<Projector> MakeRulesProjector() { return std::make_unique<Rules>(); }

}  // namespace annal::internal
