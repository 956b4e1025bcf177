#include "engine/logging.h"

#include <spdlog/sinks/stdout_sinks.h>

#include "annal/engine.h"

namespace annal {
namespace internal {

spdlog::logger& Log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_logger_mt("annal");
    l->set_level(spdlog::level::warn);
    l->set_pattern("[%H:%M:%S.%e] [annal] [%l] %v");
    return l;
  }();
  return *logger;
}

}  // namespace internal

void SetVerboseLogging(bool verbose) {
  internal::Log().set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
}

}  // namespace annal
