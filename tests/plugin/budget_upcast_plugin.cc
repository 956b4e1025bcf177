// A plugin of upcasters only (tests/budget_upcaster.h) through
// ANNAL_UPCASTERS: what `annal --plugin` loads to read budget.exceeded
// shape 1 as shape 2.
#include "annal/plugin.h"
#include "tests/budget_upcaster.h"

namespace {

void MakeUpcasters(std::vector<annal::Upcaster>* out) {
  out->push_back(annal::testing::BudgetUpcaster());
}

}  // namespace

ANNAL_UPCASTERS(MakeUpcasters)
