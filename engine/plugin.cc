// LoadPlugin and LoadPluginUpcasters (annal/plugin.h): dlopen, the entry
// points, the checks.
#include "annal/plugin.h"

#include <dlfcn.h>

#include "engine/engine_impl.h"

namespace annal {
namespace {

// The plugin's shared object, loaded for the life of the process: its code
// must outlive every engine using what it hands over (dlopen counts loads,
// so loading one twice, for projections and upcasters, is one object).
Result<void*> Open(const std::string& path) {
  // A bare name would be looked up on the library path: a plugin is a file.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = ::dlerror();
    return Status::InvalidInput("cannot load plugin " + path + ": " +
                                (why ? why : "unknown error"));
  }
  return handle;
}

// What an entry point returned, checked; nullopt when it is fit.
template <class Entry>
std::optional<Status> Unfit(const std::string& path, const Entry* entry,
                            uint64_t layout) {
  if (!entry || entry->abi != kPluginAbi) {
    const std::string abi = entry ? std::to_string(entry->abi) : "(none)";
    return Status::InvalidInput("plugin " + path + " was built for plugin ABI " + abi +
                                ", this annal has ABI " + std::to_string(kPluginAbi) +
                                ": rebuild it against this annal's headers");
  }
  if (entry->layout != layout) {
    return Status::InvalidInput(
        "plugin " + path +
        " was built against other annal headers or another C++ standard library "
        "(its layout fingerprint differs): rebuild it against this annal");
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<std::shared_ptr<Projection>>> LoadPlugin(const std::string& path) {
  return internal::Guard([&]() -> Result<std::vector<std::shared_ptr<Projection>>> {
    auto handle = Open(path);
    if (!handle.ok()) return handle.status();
    using Entry = const PluginV1* (*)();
    auto entry = reinterpret_cast<Entry>(::dlsym(*handle, "annal_plugin_v1"));
    if (!entry) {
      if (::dlsym(*handle, "annal_upcasters_v1"))  // a plugin of upcasters only
        return std::vector<std::shared_ptr<Projection>>{};
      ::dlclose(*handle);
      return Status::InvalidInput(path +
                                  " is not an annal plugin: it has no annal_plugin_v1 "
                                  "or annal_upcasters_v1 entry point (ANNAL_PLUGIN, "
                                  "ANNAL_UPCASTERS in annal/plugin.h)");
    }
    const PluginV1* plugin = entry();
    if (auto unfit = Unfit(path, plugin, PluginLayout())) {
      ::dlclose(*handle);
      return *unfit;
    }
    if (!plugin->projections) {
      ::dlclose(*handle);
      return Status::InvalidInput("plugin " + path + " hands over no projections");
    }
    std::vector<std::shared_ptr<Projection>> out;
    plugin->projections(&out);
    return out;  // (not closed: see Open)
  });
}

Result<std::vector<Upcaster>> LoadPluginUpcasters(const std::string& path) {
  return internal::Guard([&]() -> Result<std::vector<Upcaster>> {
    auto handle = Open(path);
    if (!handle.ok()) return handle.status();
    using Entry = const UpcastersV1* (*)();
    auto entry = reinterpret_cast<Entry>(::dlsym(*handle, "annal_upcasters_v1"));
    std::vector<Upcaster> out;
    if (!entry) return out;  // a plugin of projections only
    const UpcastersV1* plugin = entry();
    if (auto unfit = Unfit(path, plugin, UpcasterLayout())) return *unfit;
    if (plugin->upcasters) plugin->upcasters(&out);
    return out;
  });
}

}  // namespace annal
