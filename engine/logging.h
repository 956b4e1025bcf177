// The engine's logger: spdlog to stderr, named "annal", warnings only unless
// SetVerboseLogging(true).
#pragma once

#include <spdlog/spdlog.h>

namespace annal::internal {
spdlog::logger& Log();
}  // namespace annal::internal
