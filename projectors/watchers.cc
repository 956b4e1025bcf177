// proj_watchers: every watcher, enabled or not, until it is deleted.
#include "projectors/built_in_table.h"
#include "projectors/projector.h"
#include "store/keys.h"

namespace annal::internal {
namespace {

namespace fb = annal::fbs;

class Watchers final : public Projector {
 public:
  std::string_view name() const override { return "watchers"; }
  uint32_t version() const override { return 1; }
  std::vector<DeclaredTable> Tables() const override {
    return {BuiltInTable<fb::WatcherRow, 1>("watchers", Db::kWatchers)};
  }

  void Apply(Kv& kv, const fb::Record& rec) override {
    switch (rec.event_type()) {
      case fb::Event::WatcherCreated: {
        auto* e = rec.event_as_WatcherCreated();
        WatcherRow row{e->watcher_id()->string_view(), e->name()->string_view(),
                       e->enabled()};
        kv.Put(Db::kWatchers, keys::Id(row.watcher_id), Encode(b_, row));
        break;
      }
      case fb::Event::WatcherEnabled:
        Update(kv, rec.event_as_WatcherEnabled()->watcher_id(),
               [](WatcherRow& r) { r.enabled = true; });
        break;
      case fb::Event::WatcherDisabled:
        Update(kv, rec.event_as_WatcherDisabled()->watcher_id(),
               [](WatcherRow& r) { r.enabled = false; });
        break;
      case fb::Event::WatcherDeleted:
        kv.Del(Db::kWatchers,
               keys::Id(rec.event_as_WatcherDeleted()->watcher_id()->string_view()));
        break;
      case fb::Event::WatcherTicked: {
        auto* e = rec.event_as_WatcherTicked();
        auto outcome = static_cast<TickOutcome>(e->outcome());
        Update(kv, e->watcher_id(), [&](WatcherRow& r) {
          r.last_tick_at = rec.ts();
          r.last_outcome = outcome;
          if (outcome == TickOutcome::kSuppressed) ++r.suppression_count;
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
    UpdateRow<fb::WatcherRow>(kv, Db::kWatchers, keys::Id(id->string_view()), buf_, b_,
                              change);
  }

  Builder b_;
  AlignedBuf buf_;
};

}  // namespace

std::unique_ptr<Projector> MakeWatchersProjector() {
  return std::make_unique<Watchers>();
}

}  // namespace annal::internal
