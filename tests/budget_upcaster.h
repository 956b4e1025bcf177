// The upcaster of the upcasting tests (tests/upcast_test.cc) and of their
// plugin (tests/plugin/budget_upcast_plugin.cc): budget.exceeded shape 1
// (`amount` a float, `note`) to shape 2 (`amount_cents` an int, no note).
#pragma once

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "annal/upcast.h"

namespace annal::testing {

// `scale` stands for a later, corrected version of the transform.
inline Upcaster BudgetUpcaster(uint32_t version = 1, double scale = 100) {
  return {"budget.exceeded", 1, version, [scale](const Event& in) {
            Event out = in;
            auto& d = std::get<DeclaredEvent>(out.body);
            std::vector<std::pair<std::string, Value>> fields;
            for (auto& [name, value] : d.fields) {
              if (name == "amount")
                fields.emplace_back(
                    "amount_cents",
                    static_cast<int64_t>(std::llround(std::get<double>(value) * scale)));
              else if (name != "note")
                fields.emplace_back(name, value);
            }
            d.fields = std::move(fields);
            return out;
          }};
}

}  // namespace annal::testing
