// Keys in words, for reports: `alarm "a1"`, `task "t7" waking at 1700000000`.
#pragma once

#include <string>
#include <string_view>

#include "store/schema.h"

namespace annal::internal {
std::string DescribeKey(Db db, std::string_view key);
}  // namespace annal::internal
