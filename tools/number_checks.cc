// CLI11 checks for numbers typed on the command line, by the one parser of
// such numbers (common/numbers.h). CLI11's own conversion read "-5" as
// 2^64-5 for an unsigned option; these refuse it before any conversion.
#include <string>

#include "common/numbers.h"
#include "tools/command.h"

namespace annal::cli {

CLI::Validator Decimal(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        if (common::ParseDecimal(text, min, max)) return {};
        return common::RangeMessage("the value", std::to_string(min), std::to_string(max),
                                    text);
      },
      "INT in [" + std::to_string(min) + " - " + std::to_string(max) + "]");
}

CLI::Validator SignedDecimal(int64_t min, int64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        if (common::ParseSignedDecimal(text, min, max)) return {};
        return common::RangeMessage("the value", std::to_string(min), std::to_string(max),
                                    text);
      },
      "INT in [" + std::to_string(min) + " - " + std::to_string(max) + "]");
}

}  // namespace annal::cli
