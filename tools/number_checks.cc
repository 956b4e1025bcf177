// CLI11 checks for numbers typed on the command line, by the one parser of
// such numbers (common/numbers.h). CLI11's own conversion read "-5" as
// 2^64-5 for an unsigned option; these refuse it before any conversion.
#include <string>

#include "common/numbers.h"
#include "tools/command.h"

namespace annal::cli {

namespace {

// A check that `parse(text, min, max)` accepts the option's text.
template <class T, class Parse>
CLI::Validator RangeCheck(T min, T max, Parse parse) {
  const std::string lo = std::to_string(min), hi = std::to_string(max);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        return parse(text, min, max) ? std::string()
                                     : common::RangeMessage("the value", lo, hi, text);
      },
      "INT in [" + lo + " - " + hi + "]");
}

}  // namespace

CLI::Validator Decimal(uint64_t min, uint64_t max) {
  return RangeCheck(min, max, common::ParseDecimal);
}

CLI::Validator SignedDecimal(int64_t min, int64_t max) {
  return RangeCheck(min, max, common::ParseSignedDecimal);
}

}  // namespace annal::cli
