// proj_autonomy_history: the current level under key Seq(0), and one row per
// change under Seq(seq), so a backward scan lists changes newest first.
#include "projectors/built_in_table.h"
#include "projectors/projector.h"
#include "store/keys.h"

namespace annal::internal {
namespace {

namespace fb = annal::fbs;

class AutonomyHistory final : public Projector {
 public:
  std::string_view name() const override { return "autonomy_history"; }
  uint32_t version() const override { return 1; }
  std::vector<DeclaredTable> Tables() const override {
    // One sub-database, two tables: the current level at Seq(0), then the
    // changes keyed by their seq.
    DeclaredTable current =
        BuiltInTable<fb::AutonomyCurrentRow, 0>("current", Db::kAutonomyHistory);
    current.first_key = current.last_key = std::string(keys::Seq(0).view());
    DeclaredTable changes =
        BuiltInTable<fb::AutonomyChangeRow, 1>("changes", Db::kAutonomyHistory);
    changes.first_key = std::string(keys::Seq(1).view());
    return {std::move(current), std::move(changes)};
  }

  void Apply(Kv& kv, const fb::Record& rec) override {
    if (rec.event_type() != fb::Event::AutonomyLevelChanged) return;
    auto* e = rec.event_as_AutonomyLevelChanged();
    auto current =
        LoadRow<fb::AutonomyCurrentRow>(kv, Db::kAutonomyHistory, keys::Seq(0), buf_);
    int64_t from = current ? current->level : 0;
    AutonomyChangeRow change{rec.seq(), rec.ts(), from, e->level()};
    if (e->reason()) change.reason = e->reason()->string_view();
    if (rec.actor()) change.actor = rec.actor()->string_view();
    kv.Put(Db::kAutonomyHistory, keys::Seq(rec.seq()), Encode(b_, change));
    kv.Put(Db::kAutonomyHistory, keys::Seq(0),
           Encode(b_, AutonomyCurrentRow{e->level(), rec.ts()}));
  }

 private:
  Builder b_;
  AlignedBuf buf_;
};

}  // namespace

std::unique_ptr<Projector> MakeAutonomyHistoryProjector() {
  return std::make_unique<AutonomyHistory>();
}

}  // namespace annal::internal
