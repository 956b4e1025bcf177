// The test plugin: ToolStats (tests/tool_stats.h) through ANNAL_PLUGIN. Built
// a second time with ANNAL_TEST_WRONG_ABI, as a plugin of another ABI.
#include "annal/plugin.h"
#include "tests/tool_stats.h"

namespace {

void MakeProjections(std::vector<std::shared_ptr<annal::Projection>>* out) {
  out->push_back(std::make_shared<annal::testing::ToolStats>());
}

}  // namespace

#ifndef ANNAL_TEST_WRONG_ABI
ANNAL_PLUGIN(MakeProjections)
#else
extern "C" __attribute__((visibility("default"))) const annal::PluginV1*
annal_plugin_v1() {
  static const annal::PluginV1 plugin = {annal::kPluginAbi + 1, annal::PluginLayout(),
                                         MakeProjections};
  return &plugin;
}
#endif
