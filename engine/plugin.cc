// LoadPlugin (annal/plugin.h): dlopen, the one entry point, the checks.
#include "annal/plugin.h"

#include <dlfcn.h>

#include "engine/engine_impl.h"

namespace annal {

Result<std::vector<std::shared_ptr<Projection>>> LoadPlugin(const std::string& path) {
  return internal::Guard([&]() -> Result<std::vector<std::shared_ptr<Projection>>> {
    // A bare name would be looked up on the library path: a plugin is a file.
    const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
    void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = ::dlerror();
      return Status::InvalidInput("cannot load plugin " + path + ": " +
                                  (why ? why : "unknown error"));
    }
    using Entry = const PluginV1* (*)();
    auto entry = reinterpret_cast<Entry>(::dlsym(handle, "annal_plugin_v1"));
    if (!entry) {
      ::dlclose(handle);
      return Status::InvalidInput(path +
                                  " is not an annal plugin: it has no annal_plugin_v1 "
                                  "entry point (ANNAL_PLUGIN in annal/plugin.h)");
    }
    const PluginV1* plugin = entry();
    if (!plugin || plugin->abi != kPluginAbi) {
      const std::string abi = plugin ? std::to_string(plugin->abi) : "(none)";
      ::dlclose(handle);
      return Status::InvalidInput("plugin " + path + " was built for plugin ABI " + abi +
                                  ", this annal has ABI " + std::to_string(kPluginAbi) +
                                  ": rebuild it against this annal's headers");
    }
    if (plugin->layout != PluginLayout() || !plugin->projections) {
      ::dlclose(handle);
      return Status::InvalidInput(
          "plugin " + path +
          " was built against other annal headers or another C++ standard library "
          "(its layout fingerprint differs): rebuild it against this annal");
    }
    std::vector<std::shared_ptr<Projection>> out;
    plugin->projections(&out);
    // Not closed: the projections' code must outlive every engine using them.
    return out;
  });
}

}  // namespace annal
