// proj_integrations: every integration with its health, derived from the run
// of consecutive failures: unknown before any call, healthy after a success,
// degraded after 1 or 2 failures in a row, down after 3 or more.
#include "projectors/built_in_table.h"
#include "projectors/projector.h"
#include "store/keys.h"

namespace annal::internal {
namespace {

namespace fb = annal::fbs;

constexpr uint64_t kFailuresUntilDown = 3;

class Integrations final : public Projector {
 public:
  std::string_view name() const override { return "integrations"; }
  uint32_t version() const override { return 1; }
  std::vector<DeclaredTable> Tables() const override {
    return {BuiltInTable<fb::IntegrationRow, 1>("integrations", Db::kIntegrations)};
  }

  void Apply(Kv& kv, const fb::Record& rec) override {
    switch (rec.event_type()) {
      case fb::Event::IntegrationRegistered: {
        auto* e = rec.event_as_IntegrationRegistered();
        IntegrationRow row{e->integration_id()->string_view(), e->name()->string_view()};
        kv.Put(Db::kIntegrations, keys::Id(row.integration_id), Encode(b_, row));
        break;
      }
      case fb::Event::IntegrationSucceeded:
        Update(kv, rec.event_as_IntegrationSucceeded()->integration_id(),
               [&](IntegrationRow& r) {
                 r.health = Health::kHealthy;
                 r.consecutive_failures = 0;
                 r.last_success_at = rec.ts();
               });
        break;
      case fb::Event::IntegrationFailed: {
        auto* e = rec.event_as_IntegrationFailed();
        Update(kv, e->integration_id(), [&](IntegrationRow& r) {
          ++r.consecutive_failures;
          r.health = r.consecutive_failures >= kFailuresUntilDown ? Health::kDown
                                                                  : Health::kDegraded;
          r.last_error = e->error()->string_view();
          r.last_error_at = rec.ts();
        });
        break;
      }
      case fb::Event::IntegrationAuthChanged: {
        auto* e = rec.event_as_IntegrationAuthChanged();
        Update(kv, e->integration_id(), [&](IntegrationRow& r) {
          r.auth_status = static_cast<AuthStatus>(e->auth_status());
        });
        break;
      }
      case fb::Event::IntegrationRateLimited: {
        auto* e = rec.event_as_IntegrationRateLimited();
        Update(kv, e->integration_id(), [&](IntegrationRow& r) {
          r.rate_limit_remaining = e->remaining();
          r.rate_limit_reset_at = e->reset_at();
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
    UpdateRow<fb::IntegrationRow>(kv, Db::kIntegrations, keys::Id(id->string_view()),
                                  buf_, b_, change);
  }

  Builder b_;
  AlignedBuf buf_;
};

}  // namespace

std::unique_ptr<Projector> MakeIntegrationsProjector() {
  return std::make_unique<Integrations>();
}

}  // namespace annal::internal
